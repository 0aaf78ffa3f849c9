import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { maintenanceUrl, quoteIdent, runSql } from './database.cli.ts';
import { createPool } from './pg.client.ts';

// The database side of the engine. Migration commands that diff against the migration history
// (`migrate dev`, `migrate diff --from-migrations`) replay it in a shadow database. PrismaPg's own
// connectToShadowDb passes `database` beside a connection string, which pg ignores, so it would
// replay into the main database: this factory creates (or resets) the shadow database itself and
// drops a created one when the engine disposes of it or exits.

/** Databases this process created and must drop before it exits. */
export class ShadowDatabases {
  private readonly live = new Map<string, { url: string; pool: pg.Pool }>();

  async create(mainUrl: string): Promise<SqlDriverAdapter> {
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    await runSql(maintenanceUrl(mainUrl), `CREATE DATABASE ${quoteIdent(name)}`);
    const url = new URL(mainUrl);
    url.pathname = `/${name}`;
    const pool = createPool(url.toString());
    this.live.set(name, { url: mainUrl, pool });
    const adapter = await new PrismaPg(pool).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await this.drop(name);
    };
    return adapter;
  }

  async drop(name: string): Promise<void> {
    const entry = this.live.get(name);
    if (!entry) return;
    this.live.delete(name);
    await entry.pool.end().catch(() => undefined); // PrismaPg never ends a pool it was handed
    await runSql(maintenanceUrl(entry.url), `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.live.keys()]) await this.drop(name).catch(() => undefined);
  }
}

/** Empty a user-provided shadow database, as the native engine does before replaying. */
async function resetDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA ${quoteIdent(nspname)} CASCADE`);
    await client.query('CREATE SCHEMA IF NOT EXISTS public');
  } finally {
    await client.end();
  }
}

/** A driver-adapter factory over pg for the main database, with working shadow databases. */
export function createAdapterFactory(url: string, shadowUrl: string | undefined, shadows: ShadowDatabases): SqlMigrationAwareDriverAdapterFactory {
  const main = new PrismaPg(createPool(url));
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: () => main.connect(),
    connectToShadowDb: async () => {
      if (!shadowUrl) return shadows.create(url);
      await resetDatabase(shadowUrl);
      return new PrismaPg(createPool(shadowUrl), { disposeExternalPool: true }).connect();
    },
  };
}
