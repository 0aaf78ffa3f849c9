import { ensureTemplateDatabase } from './test-database.ts';

// Vitest global setup for the integration tier: build the migrated template database once,
// before any test file clones it.
export default async function setup(): Promise<void> {
  await ensureTemplateDatabase();
}
