// A minimal keep-alive HTTP/1.1 client over node:http, as a tensor client library would use:
// fetch (undici's WHATWG layer) adds about 0.3 ms of its own per call on this machine, which
// would be charged to the server under test.
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface Response {
  status: number;
  body: Buffer;
}

function send(method: string, url: string, headers: Record<string, string>, body?: Buffer): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body ? { ...headers, 'content-length': String(body.length) } : headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const post = (url: string, headers: Record<string, string>, body: Buffer): Promise<Response> => send('POST', url, headers, body);
/** A GET; with `body`, its bytes travel and the server reads and drops them (a no-op carrying a request's payload). */
export const get = (url: string, body?: Buffer): Promise<Response> => send('GET', url, {}, body);
