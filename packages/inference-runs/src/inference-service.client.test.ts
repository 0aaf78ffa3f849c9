import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '@medgrade/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { InferenceServiceClient } from './inference-service.client.ts';

const REQUEST = { orgId: '00000000-0000-4000-8000-000000000001', name: 'tiny', version: '1', inputs: [{ objectKey: 'deid/x/1.dcm' }] };

describe('InferenceServiceClient.infer', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = undefined;
  });

  async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('fails with TIMEOUT (504) past its timeout and closes the connection, so the service drops the work', async () => {
    let left!: () => void;
    const clientLeft = new Promise<void>((r) => (left = r));
    // A service that takes the request and never answers.
    const url = await listen((req, res) => {
      req.resume();
      res.once('close', left);
    });
    const error = await new InferenceServiceClient(url, 'token', 150).infer(REQUEST).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'TIMEOUT', status: 504, message: 'The inference service did not answer within 150 ms' });
    await clientLeft;
  });

  it('answers with the parsed response, keeps the service\'s error codes and makes an unreachable service 503', async () => {
    const ok = { model: { name: 'tiny', version: '1' }, results: [{ index: 0, text: 'no finding' }], timings: { loadMs: 1, preprocessMs: 2, inferMs: 3, totalMs: 6 } };
    const url = await listen((req, res) => {
      const refuse = req.headers.authorization !== 'Bearer token';
      res.writeHead(refuse ? 422 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(refuse ? { error: { code: 'UNPROCESSABLE', message: 'no such model version' } } : ok));
    });
    expect(await new InferenceServiceClient(url, 'token', 5000).infer(REQUEST)).toEqual(ok);
    await expect(new InferenceServiceClient(url, 'other', 5000).infer(REQUEST)).rejects.toMatchObject({ code: 'UNPROCESSABLE', message: 'no such model version' });
    await expect(new InferenceServiceClient('http://127.0.0.1:9', 'token', 5000).infer(REQUEST)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
