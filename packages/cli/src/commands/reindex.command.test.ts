import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '@medgrade/db';
import { UsageError } from '../command.ts';
import { parseReindexArgs } from './reindex.command.ts';

// Without --org/--project no lookup happens, so no database is needed.
const noDb = {} as PrismaClient;

describe('medgrade reindex arguments', () => {
  it('defaults to batches of 200, all organizations, a real run', async () => {
    expect(await parseReindexArgs([], noDb)).toEqual({ orgId: undefined, projectId: undefined, batchSize: 200, dryRun: false, after: undefined });
    const id = '0b80c061-042e-4f79-99da-e76d8082ab36';
    expect(await parseReindexArgs(['--batch', '50', '--dry-run', '--after', id], noDb)).toMatchObject({ batchSize: 50, dryRun: true, after: id });
  });

  it('refuses a bad batch size or resume id with what to give', async () => {
    for (const batch of ['0', '-1', '2.5', 'x', '5001']) await expect(parseReindexArgs([`--batch=${batch}`], noDb)).rejects.toThrow(/--batch must be a whole number from 1 to 5000/);
    await expect(parseReindexArgs(['--after', 'nope'], noDb)).rejects.toBeInstanceOf(UsageError);
  });
});
