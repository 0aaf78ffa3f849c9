// Admission by de-identification backlog (services/gateway src/ingest/backlog.gauge.ts) on the real
// gateway and queue: with no worker running, an organization's uploads are refused with 429 once it
// has INGEST_MAX_ORG_BACKLOG instances waiting, another organization's are still admitted until the
// platform has INGEST_MAX_BACKLOG waiting (then 503 for everyone), each with Retry-After, before the
// body is read; once a worker drains the queue, uploads are admitted again and every instance
// accepted before is READY. A probe is an empty form: admitted, it is a 400 ("No files"), so it
// never adds to the backlog it measures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStudy, studyToDicom } from '../../packages/synthetic/src/index.ts';
import { createIngestEnv, startIngestWorker, uploadForm, type IngestEnv } from './ingest.harness.ts';

const PER_ORG = 3;
const TOTAL = 5;

describe('upload admission by de-identification backlog', () => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await createIngestEnv({ worker: false, env: { INGEST_MAX_ORG_BACKLOG: String(PER_ORG), INGEST_MAX_BACKLOG: String(TOTAL) } });
  });
  afterAll(async () => env?.close());

  const upload = (auth: string, projectId: string, files: Buffer[]) => {
    const form = uploadForm(files);
    return env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${projectId}`, headers: { authorization: auth, 'content-type': form.contentType }, payload: form.body });
  };
  /** Probes until the answer is `status` (the gateway reads the backlog at most once a second). */
  const probeUntil = async (auth: string, projectId: string, status: number) => {
    let last: Awaited<ReturnType<typeof upload>> | undefined;
    for (let i = 0; i < 100; i++) {
      last = await upload(auth, projectId, []);
      if (last.statusCode === status) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${status} within 10 s: last ${last?.statusCode} ${last?.body}`);
  };

  it("refuses one organization past its backlog (429), everyone past the platform's (503), and admits again once drained, losing nothing", async () => {
    const files = Array.from({ length: TOTAL }, (_, i) => studyToDicom(generateStudy(21, i, 'findings')));
    const accepted = await upload(env.writer.auth, env.projectId, files.slice(0, PER_ORG));
    expect(accepted.statusCode, accepted.body).toBe(202);

    const orgFull = await probeUntil(env.writer.auth, env.projectId, 429);
    expect(orgFull.headers['retry-after']).toBe('15');
    expect(orgFull.json().error).toMatchObject({
      code: 'RATE_LIMITED',
      message: `The de-identification backlog exceeds the limit of ${PER_ORG} instances of this organization waiting for de-identification: retry after the Retry-After seconds`,
      details: { limit: 'ORG_INGEST_BACKLOG', max: PER_ORG, retryAfterSeconds: 15 },
    });

    // Another organization is admitted: its own backlog is empty and the platform's below the limit.
    const other = await env.gw.key('beta', ['studies:write', 'studies:read']);
    const otherProject = await env.gw.project(other.orgId, 'beta-chest');
    expect((await upload(other.auth, otherProject, [])).statusCode).toBe(400);
    expect((await upload(other.auth, otherProject, files.slice(PER_ORG))).statusCode).toBe(202);
    const platformFull = await probeUntil(other.auth, otherProject, 503);
    expect(platformFull.headers['retry-after']).toBe('15');
    expect(platformFull.json().error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { limit: 'INGEST_BACKLOG', max: TOTAL } });

    const worker = startIngestWorker(env, 2);
    try {
      await probeUntil(env.writer.auth, env.projectId, 400);
      await probeUntil(other.auth, otherProject, 400);
      const statuses = await env.gw.db.prisma.instance.groupBy({ by: ['status'], where: { orgId: { in: [env.writer.orgId, other.orgId] } }, _count: true });
      expect(statuses.map((s) => [s.status, s._count])).toEqual([['READY', TOTAL]]);
    } finally {
      await worker.close();
    }
  });
});
