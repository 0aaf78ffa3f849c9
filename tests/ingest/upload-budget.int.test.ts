// Byte budget of concurrent uploads (services/gateway src/ingest/byte.budget.ts) on the real
// gateway: an upload held open keeps its bytes reserved; the same key's next upload beyond its
// budget is a 429 with Retry-After naming the limit, before its body is read; another key is
// unaffected until the process budget is spent; everything is admitted again once it ends.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestEnv, PYDICOM_DIR, uploadForm, type IngestEnv } from './ingest.harness.ts';

const KiB = 1024;
const PER_KEY = 1024 * KiB;
const PER_PROCESS = 3 * 1024 * KiB;

describe('upload byte budget', () => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await createIngestEnv({ worker: false, env: { INGEST_KEY_BYTES_IN_FLIGHT: String(PER_KEY), INGEST_PROCESS_BYTES_IN_FLIGHT: String(PER_PROCESS) } });
  });
  afterAll(async () => env?.close());

  const ct = readFileSync(join(PYDICOM_DIR, 'CT_small.dcm'));
  /** Posts `form` padded (after its last boundary, which multipart ignores) to `declared` bytes. */
  const post = (auth: string, declared: number, stream?: { form: { body: Buffer; contentType: string }; body: PassThrough }) => {
    const form = stream?.form ?? uploadForm([ct]);
    const payload = stream?.body ?? Buffer.concat([form.body, Buffer.alloc(declared - form.body.length, 0x0a)]);
    return env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${env.projectId}`, headers: { authorization: auth, 'content-type': form.contentType, 'content-length': String(declared) }, payload });
  };

  it('refuses a key past its bytes in flight with 429 + Retry-After, leaves other keys alone, and admits again once uploads end', async () => {
    const other = await env.gw.key('acme', ['studies:write']);
    const third = await env.gw.key('acme', ['studies:write']);
    // An upload of 800 KiB that stays open: its body is streaming in.
    const form = uploadForm([ct]);
    const declared = 800 * KiB;
    const slow = new PassThrough();
    const held = post(env.writer.auth, declared, { form, body: slow });
    slow.write(form.body.subarray(0, 100));
    await new Promise((r) => setTimeout(r, 100));

    const refused = await post(env.writer.auth, 400 * KiB);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json().error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'KEY_BYTES_IN_FLIGHT', max: PER_KEY, retryAfterSeconds: 5 } });
    expect(refused.json().error.message).toBe(`uploads in flight exceeds the limit of ${PER_KEY} upload bytes in flight per API key: retry after the Retry-After seconds`);

    // Another key of the same organization has its own budget...
    expect((await post(other.auth, 400 * KiB)).statusCode).toBe(202);
    // ...until the process's is spent: 800 KiB held + 2.5 MiB > 3 MiB.
    const processFull = await post(third.auth, 2560 * KiB);
    expect(processFull.statusCode).toBe(429);
    expect(processFull.json().error.details).toMatchObject({ limit: 'PROCESS_BYTES_IN_FLIGHT', max: PER_PROCESS });

    slow.end(Buffer.concat([form.body.subarray(100), Buffer.alloc(declared - form.body.length, 0x0a)]));
    const heldRes = await held;
    expect(heldRes.statusCode, heldRes.body).toBe(202);
    expect((await post(env.writer.auth, 400 * KiB)).statusCode).toBe(202);
    expect((await post(third.auth, 2560 * KiB)).statusCode).toBe(202);
  });

  it('answers a form that ends early with 400, and its reservation is released', async () => {
    const form = uploadForm([ct]);
    const uploads = () => env.gw.db.prisma.upload.count();
    const before = await uploads();
    const cut = await env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': form.contentType }, payload: form.body.subarray(0, 400) });
    expect(cut.statusCode).toBe(400);
    expect(cut.json().error).toMatchObject({ code: 'BAD_REQUEST' });
    // The form ended before its first file: since 73ca621 no upload record is created for it.
    expect(await uploads()).toBe(before);
    expect((await post(env.writer.auth, PER_KEY)).statusCode).toBe(202);
  });

  it('admits one upload larger than the whole key budget when the key has nothing else in flight', async () => {
    expect((await post(env.writer.auth, 2 * PER_KEY)).statusCode).toBe(202);
  });
});
