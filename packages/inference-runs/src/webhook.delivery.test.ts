import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhook, openWebhook, sealWebhook, signBody, WebhookStatusError } from './webhook.delivery.ts';
import { WebhookUrlError, type Resolver } from './webhook.guard.ts';

describe('webhook delivery', () => {
  const calls: { host: string | undefined; url: string | undefined; body: string; signature: string | undefined }[] = [];
  let answer = 200;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        calls.push({ host: req.headers.host, url: req.url, body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['x-medgrade-signature'] as string | undefined });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('seals the target so only the configured key opens it', () => {
    const key = randomBytes(32);
    const sealed = sealWebhook(key, { url: 'https://hooks.example.org/x', secret: 's3cret' });
    expect(sealed).not.toContain('s3cret');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('hooks.example.org');
    expect(openWebhook(key, sealed)).toEqual({ url: 'https://hooks.example.org/x', secret: 's3cret' });
    expect(() => openWebhook(randomBytes(32), sealed)).toThrow();
  });

  it('connects to the vetted address, keeps the Host header, signs the exact body', async () => {
    calls.length = 0;
    // The name resolves once, to the local receiver; the request must not ask DNS again.
    let lookups = 0;
    const resolve: Resolver = async () => {
      lookups += 1;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const payload = { id: 'x', status: 'succeeded' };
    const now = () => 1_767_000_000_123;
    await deliverWebhook({ url: `http://hooks.medgrade.invalid:${port}/in?t=1`, secret: 'k' }, payload, { allowPrivateNetworks: true, requireHttps: false, timeoutMs: 5000, resolve, now });
    expect(lookups).toBe(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.host).toBe(`hooks.medgrade.invalid:${port}`);
    expect(calls[0]!.url).toBe('/in?t=1');
    expect(calls[0]!.body).toBe(JSON.stringify(payload));
    // The signed timestamp is the delivery's (seconds); the signature covers "<t>.<body>".
    expect(calls[0]!.signature).toBe(signBody('k', calls[0]!.body, 1_767_000_000));
    expect(calls[0]!.signature).toBe(`t=1767000000,v1=${createHmac('sha256', 'k').update(`1767000000.${JSON.stringify(payload)}`).digest('hex')}`);
  });

  it('tries the next vetted address when one cannot be reached', async () => {
    calls.length = 0;
    answer = 200;
    const resolve: Resolver = async () => [{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.1', family: 4 }];
    // Nothing listens on 127.0.0.2 at this port: the call must still arrive, once, on 127.0.0.1.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(deliverWebhook({ url: `http://hooks.medgrade.invalid:${deadPort}/`, secret: 'k' }, {}, { allowPrivateNetworks: true, requireHttps: false, timeoutMs: 5000, resolve })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await deliverWebhook({ url: `http://hooks.medgrade.invalid:${port}/`, secret: 'k' }, {}, { allowPrivateNetworks: true, requireHttps: false, timeoutMs: 5000, resolve });
    expect(calls).toHaveLength(1);
  });

  it('refuses a name that resolves to a private address at delivery, sending nothing', async () => {
    calls.length = 0;
    const rebound: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    await expect(deliverWebhook({ url: `http://hooks.medgrade.invalid:${port}/`, secret: 'k' }, {}, { allowPrivateNetworks: false, requireHttps: false, timeoutMs: 5000, resolve: rebound })).rejects.toBeInstanceOf(WebhookUrlError);
    expect(calls).toHaveLength(0);
  });

  it('reports the receiver status, retryable only for 408, 429 and 5xx', async () => {
    const target = { url: `http://127.0.0.1:${port}/`, secret: 'k' };
    for (const [status, retryable] of [[500, true], [429, true], [404, false], [301, false]] as const) {
      answer = status;
      const error = await deliverWebhook(target, {}, { allowPrivateNetworks: true, requireHttps: false, timeoutMs: 5000 }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(WebhookStatusError);
      expect((error as WebhookStatusError).retryable).toBe(retryable);
    }
    answer = 204;
    await expect(deliverWebhook(target, {}, { allowPrivateNetworks: true, requireHttps: false, timeoutMs: 5000 })).resolves.toBeUndefined();
  });
});
