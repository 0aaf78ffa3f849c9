import { describe, expect, it } from 'vitest';
import { ensureDatabase, parseDatabaseUrl, quoteIdent, withAdminClient, withDatabaseName } from './database.admin.ts';
import { migrationsUpToDate, runPrisma } from './migrate.ts';
import { useTestDatabase } from './testing/use-test-database.ts';

// Fails when prisma/schema.prisma changed without a migration that brings the database there.
describe('migrations', () => {
  const db = useTestDatabase();

  it('match prisma/schema.prisma (no migration missing)', async () => {
    const run = await runPrisma(
      ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', 'prisma/schema.prisma', '--exit-code'],
      db().url,
    );
    // --exit-code: 0 empty diff, 2 differences, 1 error.
    expect(run.output).toContain('No difference detected');
    expect(run.code).toBe(0);
  });

  it('recognise a database that has applied exactly the committed migrations, and nothing else', async () => {
    const { prisma, url } = db();
    expect(await migrationsUpToDate(url)).toBe(true);
    const [first] = await prisma.$queryRaw<{ migration_name: string; checksum: string }[]>`SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name LIMIT 1`;
    await prisma.$executeRaw`UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = ${first!.migration_name}`;
    expect(await migrationsUpToDate(url)).toBe(false); // an edited migration: Prisma must report it
    await prisma.$executeRaw`UPDATE _prisma_migrations SET checksum = ${first!.checksum}, rolled_back_at = now() WHERE migration_name = ${first!.migration_name}`;
    expect(await migrationsUpToDate(url)).toBe(false);
    await prisma.$executeRaw`UPDATE _prisma_migrations SET rolled_back_at = NULL WHERE migration_name = ${first!.migration_name}`;
    expect(await migrationsUpToDate(url)).toBe(true);

    const empty = withDatabaseName(url, `${parseDatabaseUrl(url).name}_empty`);
    await ensureDatabase(empty);
    try {
      expect(await migrationsUpToDate(empty)).toBe(false); // no migrations table
    } finally {
      await withAdminClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(parseDatabaseUrl(empty).name)}`));
    }
  });
});
