import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { loadConfig } from '@medgrade/config';
import { OFFLINE_ENGINE_BINARY } from './engine.resolve.ts';

// Prisma's own CLI driven through the offline engine against a real PostgreSQL: the migrations
// apply, the migration history matches the schema (diff through a shadow database), and the
// shadow database is dropped afterwards.
const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
const baseUrl = loadConfig().database.url;
const database = `medgrade_engine_${process.pid}`;
const url = Object.assign(new URL(baseUrl), { pathname: `/${database}` }).toString();

function prisma(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${REPO_ROOT}node_modules/.bin/prisma`, args, {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url, PRISMA_SCHEMA_ENGINE_BINARY: OFFLINE_ENGINE_BINARY },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function admin<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('the offline schema engine under the Prisma CLI', () => {
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });

  it('deploys every migration, reports the history in sync with the schema, and cleans up its shadow database', async () => {
    await admin(`DROP DATABASE IF EXISTS "${database}"`);
    await admin(`CREATE DATABASE "${database}"`);
    const deploy = await prisma(['migrate', 'deploy']);
    expect(deploy.output).toContain('All migrations have been successfully applied');
    expect(deploy.code).toBe(0);

    const status = await prisma(['migrate', 'status']);
    expect(status.output).toContain('Database schema is up to date');

    const shadowsBefore = await admin<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'");
    const diff = await prisma(['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', 'prisma/schema.prisma', '--exit-code']);
    expect(diff.code, diff.output).toBe(0); // 0: no difference (2 would mean the migrations drifted from the schema)
    const shadowsAfter = await admin<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'");
    expect(shadowsAfter.length).toBe(shadowsBefore.length);

    const tables = await (async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('Organization', 'Instance', '_prisma_migrations')")).rows[0] as { n: number };
      } finally {
        await client.end();
      }
    })();
    expect(tables.n).toBe(3);
  });
});
