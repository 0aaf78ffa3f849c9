// Per-organization fairness of de-identification (packages/queue fair.ts) end to end: organization A
// uploads a burst, organization B one file after it; with one worker slot, B's instance is ready
// within the first few, not after A's whole burst. Asserted on completion order, never wall time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStudy, studyToDicom } from '../../packages/synthetic/src/index.ts';
import { createIngestEnv, startIngestWorker, uploadForm, type IngestEnv } from './ingest.harness.ts';

const BURST = 30;

describe('de-identification fairness across organizations', () => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await createIngestEnv({ worker: false });
  });
  afterAll(async () => env?.close());

  it("one organization's burst of uploads does not delay another's single upload beyond its first places", async () => {
    const upload = (auth: string, projectId: string, files: Buffer[]) => {
      const form = uploadForm(files);
      return env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${projectId}`, headers: { authorization: auth, 'content-type': form.contentType }, payload: form.body });
    };
    const burst = Array.from({ length: BURST }, (_, i) => studyToDicom(generateStudy(14, i, 'findings')));
    const resA = await upload(env.writer.auth, env.projectId, burst);
    expect(resA.statusCode).toBe(202);
    const other = await env.gw.key('beta', ['studies:write', 'studies:read']);
    const otherProject = await env.gw.project(other.orgId, 'beta-chest');
    const resB = await upload(other.auth, otherProject, [studyToDicom(generateStudy(14, BURST, 'findings'))]);
    expect(resB.statusCode).toBe(202);
    const bId = resB.json().instances[0].id as string;
    // One slot, started once everything is queued: the order is the queue's alone.
    const worker = startIngestWorker(env, 1);
    try {
      const b = await waitReady(env, bId);
      // Organization A's instances finished no later than B's: ties counted against fairness.
      const before = await env.gw.db.prisma.instance.count({ where: { orgId: env.writer.orgId, status: 'READY', updatedAt: { lte: b.updatedAt } } });
      expect(before).toBeLessThanOrEqual(2);
    } finally {
      await worker.close();
    }
  });
});

async function waitReady(env: IngestEnv, id: string): Promise<{ updatedAt: Date }> {
  for (let i = 0; i < 600; i++) {
    const row = await env.gw.db.prisma.instance.findUniqueOrThrow({ where: { id }, select: { status: true, updatedAt: true } });
    if (row.status === 'READY') return row;
    if (row.status === 'REJECTED' || row.status === 'FAILED') throw new Error(`instance ended ${row.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('instance not ready in time');
}
