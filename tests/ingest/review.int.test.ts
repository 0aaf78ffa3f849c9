// The burned-in review flow end to end (real gateway, de-identification worker, Postgres,
// Redis/BullMQ, s3rver, the engine): files whose header says burned-in text is present, uploaded to
// a project whose policy holds them for review, are listed by GET /v1/review; an approved one ends
// READY with a stored de-identified output that records the review, a rejected one has no raw
// object left; the reviewer sees the held image first (a PNG preview, never cached); each decision
// is audited with the reviewer's key and a reason code (never free text), and is taken once.
// Another organization's or project's key can neither list nor decide them.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../packages/audit/src/index.ts';
import { reviewCommand } from '../../packages/cli/src/commands/review.command.ts';
import { childProcessEnv, loadConfig } from '../../packages/config/src/index.ts';
import { BURNED_IN_REVIEWED_METHOD } from '../../packages/deid/src/index.ts';
import { parseDicom, writeDicom } from '../../packages/dicom/src/index.ts';
import { getBuffer } from '../../packages/storage/src/index.ts';
import { createRetentionRepository, sweepRetention } from '../../services/deid-worker/src/retention.sweep.ts';
import { createIngestEnv, filesUnder, MULTI_SERIES_DIR, objectKeys, uploadForm, type IngestEnv } from './ingest.harness.ts';

const BURNED_IN_ANNOTATION = 0x00280301;
const DEIDENTIFICATION_METHOD = 0x00120063;

/** Real MR files of pydicom's corpus whose header now says the pixels carry text. */
function burnedIn(count: number): Buffer[] {
  return filesUnder(MULTI_SERIES_DIR).slice(0, count).map((path) => {
    const file = parseDicom(readFileSync(path));
    file.dataset.set(BURNED_IN_ANNOTATION, 'YES', 'CS');
    return writeDicom(file);
  });
}

interface Item { id: string; projectId: string; reason: string; uploadedAt: string; expiresAt: string }

describe('burned-in review', () => {
  let env: IngestEnv;
  let reviewer: { auth: string; keyId: string };
  let held: string[];

  const as = (auth: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    env.gw.app.inject({ method, url, headers: { authorization: auth }, ...(payload ? { payload } : {}) });
  const row = (id: string) => env.gw.db.prisma.instance.findUniqueOrThrow({ where: { id } });

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
    const start = Date.now();
    while (!(await check())) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    env = await createIngestEnv({ worker: true });
    await env.gw.db.prisma.project.update({ where: { id: env.projectId }, data: { burnedInPolicy: 'QUARANTINE' } });
    reviewer = await env.gw.key('acme', ['review:write'], env.projectId);
    const { body, contentType } = uploadForm(burnedIn(3));
    const res = await env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
    expect(res.statusCode).toBe(202);
    held = (res.json() as { instances: { id: string }[] }).instances.map((i) => i.id);
    expect(held).toHaveLength(3);
    await waitFor('the uploads to be held for review', async () =>
      (await env.gw.db.prisma.instance.count({ where: { id: { in: held }, status: 'REJECTED', errorCode: 'BURNED_IN_REVIEW' } })) === held.length);
  }, 120_000);

  afterAll(async () => {
    await env?.close();
  });

  it('lists the held instances (raw uploads kept) to a reviewer, paged, with when they expire', async () => {
    expect(await objectKeys(env, `quarantine/${env.writer.orgId}/${env.projectId}/`)).toHaveLength(3);
    expect(await objectKeys(env, 'deid/')).toEqual([]);
    const first = await as(reviewer.auth, 'GET', '/v1/review?limit=2');
    expect(first.statusCode).toBe(200);
    const page1 = first.json() as { items: Item[]; nextCursor: string };
    expect(page1.items).toHaveLength(2);
    const page2 = (await as(reviewer.auth, 'GET', `/v1/review?limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`)).json() as { items: Item[]; nextCursor: string | null };
    expect(page2.nextCursor).toBeNull();
    expect([...page1.items, ...page2.items].map((i) => i.id).sort()).toEqual([...held].sort());
    const item = page1.items[0]!;
    expect(item).toMatchObject({ projectId: env.projectId, reason: 'BURNED_IN_REVIEW' });
    expect(Date.parse(item.expiresAt) - Date.parse(item.uploadedAt)).toBe(72 * 3600_000);
    expect((await as(reviewer.auth, 'GET', '/v1/review?cursor=nonsense')).statusCode).toBe(400);
    // Listing and deciding are the reviewer's: an uploader's key is refused.
    expect((await as(env.writer.auth, 'GET', '/v1/review')).statusCode).toBe(403);
    expect((await as(env.writer.auth, 'POST', `/v1/review/${held[0]}/approve`, { reasonCode: 'NO_TEXT_VISIBLE' })).statusCode).toBe(403);
  });

  it('never shows nor lets another organization or project decide them', async () => {
    const otherOrg = await env.gw.key('other-org', ['admin']);
    const otherProject = await env.gw.key('acme', ['admin'], await env.gw.project(env.writer.orgId, 'elsewhere'));
    for (const attacker of [otherOrg, otherProject]) {
      const list = await as(attacker.auth, 'GET', '/v1/review');
      expect(list.statusCode).toBe(200);
      expect(list.json().items).toEqual([]);
      expect((await as(attacker.auth, 'GET', `/v1/review?projectId=${env.projectId}`)).statusCode).toBe(404);
      for (const decision of ['approve', 'reject']) {
        const res = await as(attacker.auth, 'POST', `/v1/review/${held[0]}/${decision}`, { reasonCode: 'OTHER' });
        expect({ decision, status: res.statusCode }).toEqual({ decision, status: 404 });
      }
    }
    expect((await as(reviewer.auth, 'POST', '/v1/review/00000000-0000-4000-8000-000000000000/approve', { reasonCode: 'NO_TEXT_VISIBLE' })).statusCode).toBe(404);
    expect(await row(held[0]!)).toMatchObject({ status: 'REJECTED', errorCode: 'BURNED_IN_REVIEW', burnedInApprovedBy: null });
  });

  it('takes a reason code, never free text (it would reach the audit trail), and keeps the review open', async () => {
    for (const payload of [{ reason: 'patient 12345678 ok' }, { reasonCode: 'LOOKS_FINE' }, { reasonCode: 'NO_TEXT_VISIBLE', note: 'Jane Doe in the corner' }, {}]) {
      const res = await as(reviewer.auth, 'POST', `/v1/review/${held[0]}/approve`, payload);
      expect({ payload, status: res.statusCode, code: res.json().error.code }).toEqual({ payload, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await row(held[0]!)).errorCode).toBe('BURNED_IN_REVIEW');
  });

  it('shows the reviewer the held raw image as a PNG, never cached, audited; 404 outside the scope', async () => {
    const res = await as(reviewer.auth, 'GET', `/v1/review/${held[0]}/preview`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.rawPayload.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // The PNG's IHDR: the raw image's own size.
    const raw = parseDicom(burnedIn(1)[0]!).dataset;
    expect({ width: res.rawPayload.readUInt32BE(16), height: res.rawPayload.readUInt32BE(20) }).toEqual({ width: raw.getNumber(0x00280011), height: raw.getNumber(0x00280010) });
    const event = await env.gw.db.prisma.auditEvent.findFirstOrThrow({ where: { resourceId: held[0], action: 'review.previewed' } });
    expect({ actor: event.actor, projectId: event.projectId }).toEqual({ actor: reviewer.keyId, projectId: env.projectId });
    expect((await as(env.writer.auth, 'GET', `/v1/review/${held[0]}/preview`)).statusCode).toBe(403);
    const otherOrg = await env.gw.key('other-org-preview', ['admin']);
    expect((await as(otherOrg.auth, 'GET', `/v1/review/${held[0]}/preview`)).statusCode).toBe(404);
    expect((await as(reviewer.auth, 'GET', '/v1/review/00000000-0000-4000-8000-000000000000/preview')).statusCode).toBe(404);
  });

  it('approved: de-identified and kept with its pixel data, the review recorded in the output and the audit, decided once', async () => {
    const id = held[0]!;
    const res = await as(reviewer.auth, 'POST', `/v1/review/${id}/approve`, { reasonCode: 'TEXT_NOT_IDENTIFYING' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id, decision: 'approved', status: 'RECEIVED', errorCode: null });
    await waitFor('the approved instance to be READY', async () => (await row(id)).status === 'READY' && (await row(id)).quarantineKey === null);
    const ready = await row(id);
    expect(ready).toMatchObject({ burnedInFlag: true, burnedInApprovedBy: reviewer.keyId, errorCode: null });
    const output = parseDicom(await getBuffer(env.store, ready.objectKey!)).dataset;
    expect(output.getStrings(DEIDENTIFICATION_METHOD)).toContain(BURNED_IN_REVIEWED_METHOD);
    expect(output.getString(0x00120062)).toBe('YES');
    expect(await objectKeys(env, `quarantine/${env.writer.orgId}/${env.projectId}/${id}`)).toEqual([]);
    const events = await env.gw.db.prisma.auditEvent.findMany({ where: { resourceId: id }, orderBy: { seq: 'asc' } });
    const approved = events.find((e) => e.action === 'review.approved')!;
    expect({ actor: approved.actor, details: approved.details, projectId: approved.projectId }).toEqual({ actor: reviewer.keyId, details: { reasonCode: 'TEXT_NOT_IDENTIFYING' }, projectId: env.projectId });
    expect(events.find((e) => e.action === 'instance.deidentified')!.details).toMatchObject({ burnedInFlag: true, burnedInApprovedBy: reviewer.keyId });
    // Decided: neither decision is taken again, and it is no longer listed.
    for (const decision of ['approve', 'reject']) {
      const again = await as(reviewer.auth, 'POST', `/v1/review/${id}/${decision}`, { reasonCode: 'OTHER' });
      expect({ decision, status: again.statusCode }).toEqual({ decision, status: 409 });
    }
    expect((await as(reviewer.auth, 'GET', '/v1/review')).json().items.map((i: Item) => i.id)).not.toContain(id);
  });

  it('rejected: REJECTED REVIEW_REJECTED, raw upload deleted, audited, decided once', async () => {
    const id = held[1]!;
    const res = await as(reviewer.auth, 'POST', `/v1/review/${id}/reject`, { reasonCode: 'TEXT_IDENTIFYING' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id, decision: 'rejected', status: 'REJECTED', errorCode: 'REVIEW_REJECTED' });
    expect(await row(id)).toMatchObject({ status: 'REJECTED', errorCode: 'REVIEW_REJECTED', quarantineKey: null, objectKey: null });
    expect(await objectKeys(env, `quarantine/${env.writer.orgId}/${env.projectId}/${id}`)).toEqual([]);
    const event = await env.gw.db.prisma.auditEvent.findFirstOrThrow({ where: { resourceId: id, action: 'review.rejected' } });
    expect({ actor: event.actor, details: event.details }).toEqual({ actor: reviewer.keyId, details: { reasonCode: 'TEXT_IDENTIFYING' } });
    for (const decision of ['reject', 'approve']) {
      expect((await as(reviewer.auth, 'POST', `/v1/review/${id}/${decision}`, { reasonCode: 'OTHER' })).statusCode).toBe(409);
    }
    expect((await as(reviewer.auth, 'GET', `/v1/review/${id}/preview`)).statusCode).toBe(409);
    // The third is still held, raw upload and all.
    expect(await objectKeys(env, `quarantine/${env.writer.orgId}/${env.projectId}/${held[2]}`)).toHaveLength(1);
  });

  it('medgrade review ls and reject over HTTP', async () => {
    const url = await env.gw.app.listen({ host: '127.0.0.1', port: 0 });
    const run = async (args: string[]) => {
      let out = '';
      const env0 = childProcessEnv({ MEDGRADE_URL: url, MEDGRADE_API_KEY: reviewer.auth.replace(/^Bearer /, ''), MEDGRADE_CONFIG_FILE: '/nonexistent/medgrade.json' });
      const code = await reviewCommand.run(args, { config: loadConfig(env0), stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true } });
      return { code, lines: out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Item & { decision?: string }) };
    };
    const ls = await run(['ls']);
    expect({ code: ls.code, ids: ls.lines.map((l) => l.id) }).toEqual({ code: 0, ids: [held[2]] });
    const rejected = await run(['reject', held[2]!, '--reason-code', 'TEXT_IDENTIFYING']);
    expect(rejected.lines).toEqual([{ id: held[2], decision: 'rejected', status: 'REJECTED', errorCode: 'REVIEW_REJECTED' }]);
    expect((await run(['ls'])).lines).toEqual([]);
    expect(await objectKeys(env, `quarantine/${env.writer.orgId}/${env.projectId}/`)).toEqual([]);
  });

  it('expired undecided: the same file uploaded again is held for review again, not answered as a copy of the dead row', async () => {
    const upload = async (file: Buffer) => {
      const { body, contentType } = uploadForm([file]);
      const res = await env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
      expect(res.statusCode).toBe(202);
      return (res.json() as { instances: { id: string; duplicate?: string }[] }).instances[0]!;
    };
    const file = burnedIn(4)[3]!;
    const first = await upload(file);
    await waitFor('the upload to be held', async () => (await row(first.id)).errorCode === 'BURNED_IN_REVIEW');
    // Undecided past RAW_RETENTION_HOURS: one real pass of the deid-worker's retention sweep ends it.
    await env.gw.db.prisma.$executeRaw`UPDATE "Instance" SET "createdAt" = now() - interval '73 hours' WHERE "id" = ${first.id}::uuid`;
    const repo = createRetentionRepository(env.gw.db.prisma, new AuditLog(env.gw.db.prisma, { anchorKey: env.gw.config.secrets.auditAnchorKeyBytes }));
    const swept = await sweepRetention({ repo, store: env.store, jobs: env.jobs }, { ...env.gw.config.retention, graceMs: 900_000, batchSize: 50 });
    expect(swept).toMatchObject({ reviewsExpired: 1, rawDeleted: 1 });
    expect(await row(first.id)).toMatchObject({ status: 'REJECTED', errorCode: 'REVIEW_EXPIRED', quarantineKey: null });
    const again = await upload(file);
    expect(again.id).not.toBe(first.id);
    expect(again.duplicate).toBeUndefined();
    await waitFor('the new upload to be held for review', async () => (await row(again.id)).errorCode === 'BURNED_IN_REVIEW');
    expect(await row(again.id)).toMatchObject({ status: 'REJECTED', quarantineKey: expect.any(String) as string });
    expect((await as(reviewer.auth, 'GET', '/v1/review')).json().items.map((i: Item) => i.id)).toEqual([again.id]);
  });
});
