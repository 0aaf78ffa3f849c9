import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '@medgrade/config';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { databaseExists, quoteIdent, withAdminClient, withDatabaseName } from '../database.admin.ts';
import { MIGRATIONS_DIR, migrateDeploy } from '../migrate.ts';
import { createPrismaClient } from '../prisma.client.ts';

// Integration tests get one database per test file, cloned from a template that holds every
// migration. The template's name is a hash of the migrations, so a new migration makes a new
// template, and test runs in parallel (several developers, several vitest workers) share it safely.

const TEMPLATE_LOCK = 0x6d677464; // pg advisory lock id ("mgtd") serializing template builds

function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const dir of readdirSync(MIGRATIONS_DIR).sort()) {
    if (dir.endsWith('.toml')) continue;
    hash.update(dir).update(readFileSync(path.join(MIGRATIONS_DIR, dir, 'migration.sql')));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Ensure the migrated template database exists; returns its name. Safe to call concurrently. */
export async function ensureTemplateDatabase(baseUrl = loadConfig().database.url): Promise<string> {
  const template = `medgrade_tpl_${migrationsHash()}`;
  await withAdminClient(baseUrl, async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      if (await databaseExists(client, template)) return;
      const building = `${template}_build`;
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(building)}`);
      await client.query(`CREATE DATABASE ${quoteIdent(building)}`);
      await migrateDeploy(withDatabaseName(baseUrl, building));
      // Renamed only when complete, so a crash never leaves a half-migrated template behind.
      await client.query(`ALTER DATABASE ${quoteIdent(building)} RENAME TO ${quoteIdent(template)}`);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  return template;
}

export interface TestDatabase {
  prisma: PrismaClient;
  url: string;
  drop(): Promise<void>;
}

async function cloneTemplate(baseUrl: string, template: string, name: string): Promise<void> {
  await withAdminClient(baseUrl, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
        return;
      } catch (error) {
        // 55006: the template is briefly in use by a concurrent clone; retry.
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
}

/** A fresh, fully migrated database for one test file; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const baseUrl = loadConfig().database.url;
  const template = await ensureTemplateDatabase(baseUrl);
  const name = `medgrade_test_${randomBytes(6).toString('hex')}`;
  await cloneTemplate(baseUrl, template, name);
  const url = withDatabaseName(baseUrl, name);
  const prisma = createPrismaClient(url, { maxConnections: 5 });
  return {
    prisma,
    url,
    async drop() {
      await prisma.$disconnect();
      await withAdminClient(baseUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
  };
}
