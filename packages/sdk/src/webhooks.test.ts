import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from './webhooks.ts';

// The gateway signs with node:crypto (@medgrade/inference-runs signBody, whose test pins this exact
// format); the SDK verifies with WebCrypto. Computed the same way here.
const signBody = (secret: string, body: string, t: number) => `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
const T = 1_767_000_000;
const at = (seconds: number) => () => seconds * 1000;

describe('verifyWebhook (WebCrypto)', () => {
  const secret = 'whsec_4f1c2a';
  const body = JSON.stringify({ id: 'inf-1', status: 'succeeded', results: [{ text: 'No acute findings. Ä' }] });

  it('accepts the gateway signature of the exact body, as text or bytes, within the tolerance', async () => {
    const header = signBody(secret, body, T);
    expect(await verifyWebhook(body, header, secret, { now: at(T) })).toBe(true);
    expect(await verifyWebhook(new TextEncoder().encode(body), header.toUpperCase().replace('T=', 't=').replace('V1=', 'v1='), secret, { now: at(T + 300) })).toBe(true);
    expect(await verifyWebhook(body, header, secret, { now: at(T - 300) })).toBe(true);
  });

  it('refuses a replay outside the tolerance, and a timestamp changed to look fresh', async () => {
    const header = signBody(secret, body, T);
    expect(await verifyWebhook(body, header, secret, { now: at(T + 301) })).toBe(false);
    expect(await verifyWebhook(body, header, secret, { now: at(T + 3600), toleranceSeconds: 3600 })).toBe(true);
    expect(await verifyWebhook(body, header.replace(`t=${T}`, `t=${T + 3600}`), secret, { now: at(T + 3600) })).toBe(false);
  });

  it('refuses another body, another secret, the old unsigned-timestamp format, a malformed or missing header', async () => {
    const now = at(T);
    expect(await verifyWebhook(`${body} `, signBody(secret, body, T), secret, { now })).toBe(false);
    expect(await verifyWebhook(body, signBody('other', body, T), secret, { now })).toBe(false);
    expect(await verifyWebhook(body, signBody(secret, body, T).slice(0, -2), secret, { now })).toBe(false);
    expect(await verifyWebhook(body, `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`, secret, { now })).toBe(false);
    expect(await verifyWebhook(body, null, secret, { now })).toBe(false);
  });
});
