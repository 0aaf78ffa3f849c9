import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '@medgrade/audit';
import { ApiKeyService } from '@medgrade/auth';
import { loadConfig } from '@medgrade/config';
import { REPO_ROOT } from '@medgrade/db';
import { useTestDatabase } from '@medgrade/db/testing';

const run = promisify(execFile);

// Runs the real entry point (`pnpm medgrade` = tsx packages/cli/src/main.ts) against a test database.
describe('medgrade CLI', () => {
  const db = useTestDatabase();
  const cli = (...args: string[]) =>
    run(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['packages/cli/src/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: db().url },
    });

  it('keys create makes the organization and project and prints one JSON line with a working key', async () => {
    const { stdout } = await cli('keys', 'create', '--org', 'acme', '--project', 'chest', '--scopes', 'audit:read,studies:read');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!);
    expect(Object.keys(out).sort()).toEqual(['key', 'orgId', 'projectId']);
    const org = await db().prisma.organization.findUniqueOrThrow({ where: { slug: 'acme' } });
    expect(out.orgId).toBe(org.id);
    expect((await db().prisma.project.findUniqueOrThrow({ where: { id: out.projectId } })).slug).toBe('chest');
    const auth = await new ApiKeyService(db().prisma, { cacheTtlMs: 0 }).verify(out.key);
    expect(auth).toMatchObject({ orgId: org.id, projectId: out.projectId, scopes: ['audit:read', 'studies:read'] });
    const actions = (await new AuditLog(db().prisma).list(org.id, {}, { limit: 10 })).map((e) => e.action);
    expect(actions).toEqual(['organization.create', 'project.create', 'api_key.create']);

    const again = JSON.parse((await cli('keys', 'create', '--org', 'acme', '--scopes', '*')).stdout);
    expect(again.orgId).toBe(org.id);
    expect(again.projectId).toBeNull();
    expect(await new ApiKeyService(db().prisma, { cacheTtlMs: 0 }).verify(again.key)).toMatchObject({ scopes: expect.arrayContaining(['admin', 'inference:run']) });
  });

  it('keys revoke <prefix> revokes and audits', async () => {
    const { key, orgId } = JSON.parse((await cli('keys', 'create', '--org', 'rev', '--scopes', 'admin')).stdout);
    const prefix = key.split('_')[1];
    await cli('keys', 'revoke', prefix);
    expect(await new ApiKeyService(db().prisma, { cacheTtlMs: 0 }).verify(key)).toBeNull();
    const last = (await new AuditLog(db().prisma).list(orgId, { action: 'api_key.revoke' }, { limit: 5 }))[0];
    expect(last?.details).toEqual({ prefix });
  });

  it('refuses bad scopes with usage and exit code 2', async () => {
    const failure = await cli('keys', 'create', '--org', 'acme', '--scopes', 'root').catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('unknown scope(s) root');
  });

  it('audit anchor anchors a chain recorded before anchoring, verified first and audited; a broken chain is reported, not anchored', async () => {
    const { orgId } = JSON.parse((await cli('keys', 'create', '--org', 'legacy', '--scopes', 'audit:read')).stdout);
    const { orgId: tamperedId } = JSON.parse((await cli('keys', 'create', '--org', 'tampered', '--scopes', 'audit:read')).stdout);
    const superuser = (sql: string) => db().prisma.$transaction([db().prisma.$executeRawUnsafe('SET LOCAL session_replication_role = replica'), db().prisma.$executeRawUnsafe(sql)]);
    await superuser(`DELETE FROM "AuditAnchor" WHERE "orgId" IN ('${orgId}', '${tamperedId}')`);
    await superuser(`UPDATE "AuditEvent" SET actor = 'mallory' WHERE "orgId" = '${tamperedId}'`);
    const audit = new AuditLog(db().prisma, { anchorKey: loadConfig().secrets.auditAnchorKeyBytes });
    expect((await audit.verify(orgId)).firstBroken).toMatchObject({ reason: 'anchor_missing' });

    const { stdout } = await cli('audit', 'anchor', '--org', 'legacy');
    expect(JSON.parse(stdout.trim())).toMatchObject({ org: 'legacy', anchored: true, intact: true });
    expect(await audit.verify(orgId)).toMatchObject({ intact: true, firstBroken: null });
    expect((await audit.list(orgId, { action: 'audit.anchor' }, { limit: 5 }))[0]).toMatchObject({ actor: 'cli' });

    const failure = await cli('audit', 'anchor').catch((e: { code: number; stdout: string }) => e);
    expect(failure).toMatchObject({ code: 1 });
    const lines = (failure as { stdout: string }).stdout.trim().split('\n').map((l) => JSON.parse(l) as { org: string; anchored: boolean; intact: boolean });
    expect(lines.find((l) => l.org === 'tampered')).toMatchObject({ anchored: false, intact: false, firstBroken: { reason: 'hash_mismatch' } });
    expect(lines.find((l) => l.org === 'legacy')).toMatchObject({ anchored: false, intact: true });
    expect(await db().prisma.auditAnchor.findUnique({ where: { orgId: tamperedId } })).toBeNull();
  });
});
