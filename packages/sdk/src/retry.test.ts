import { describe, expect, it } from 'vitest';
import { backoffMs, retryAfterMs, retryingFetch } from './retry.ts';

const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 50 };

function scripted(statuses: number[], headers: Record<string, string> = {}) {
  const seen: Request[] = [];
  const fetch = async (request: Request) => {
    seen.push(request);
    return new Response(`{"n":${seen.length}}`, { status: statuses[seen.length - 1] ?? 200, headers });
  };
  return { fetch: fetch as unknown as typeof globalThis.fetch, seen };
}

describe('retries', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });

  it('backs off exponentially, waits at least Retry-After, at most maxDelayMs', () => {
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(p, 1, null, () => 0.5)).toBe(100);
    expect(backoffMs(p, 3, null, () => 0.5)).toBe(400);
    expect(backoffMs(p, 1, 700, () => 0.5)).toBe(700);
    expect(backoffMs(p, 1, 60_000, () => 0.5)).toBe(1000);
  });

  it('retries 429 and 503 until success or the last attempt, and nothing else', async () => {
    const ok = scripted([429, 503, 200], { 'retry-after': '0' });
    expect((await retryingFetch(ok.fetch, policy)(new Request('http://x/a'))).status).toBe(200);
    expect(ok.seen).toHaveLength(3);
    const exhausted = scripted([503, 503, 503, 200]);
    expect((await retryingFetch(exhausted.fetch, policy)(new Request('http://x/a'))).status).toBe(503);
    expect(exhausted.seen).toHaveLength(3);
    const bad = scripted([400]);
    expect((await retryingFetch(bad.fetch, policy)(new Request('http://x/a'))).status).toBe(400);
    expect(bad.seen).toHaveLength(1);
  });

  it('re-sends a JSON body but leaves multipart bodies to the upload helpers', async () => {
    const json = scripted([429, 200]);
    await retryingFetch(json.fetch, policy)(new Request('http://x/a', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } }));
    expect(await Promise.all(json.seen.map((r) => r.text()))).toEqual(['{"a":1}', '{"a":1}']);
    const form = new FormData();
    form.append('file', new Blob(['x']), 'a.dcm');
    const multipart = scripted([429, 200]);
    expect((await retryingFetch(multipart.fetch, policy)(new Request('http://x/a', { method: 'POST', body: form }))).status).toBe(429);
    expect(multipart.seen).toHaveLength(1);
  });
});
