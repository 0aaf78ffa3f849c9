import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '@medgrade/audit';
import { ApiKeyService } from '@medgrade/auth';
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
});
