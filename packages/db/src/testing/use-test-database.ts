import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

/**
 * A test file's own database, created before its tests and dropped after them. Call it at the top
 * of a describe block; the returned getter gives the database inside tests (it exists only once
 * beforeAll has run). Kept apart from test-database.ts so that importing @medgrade/db never loads
 * vitest.
 */
export function useTestDatabase(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  return () => {
    if (!db) throw new Error('useTestDatabase: the database exists only inside tests (after beforeAll)');
    return db;
  };
}
