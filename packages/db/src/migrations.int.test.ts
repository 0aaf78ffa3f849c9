import { describe, expect, it } from 'vitest';
import { runPrisma } from './migrate.ts';
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
});
