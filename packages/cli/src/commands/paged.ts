// The list commands' loop: follow a cursor-paged API route, one JSON line per item, until `limit`.
import { UsageError } from '../command.ts';

/** One page of a list route: the generated client call with `limit` and `cursor` set. */
export type PageFetch = (page: { limit: number; cursor?: string }) => Promise<{ items: unknown[]; nextCursor: string | null }>;

/** Parses `--limit` (default 100). */
export function limitOf(value: string | undefined): number {
  const limit = Number(value ?? 100);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
  return limit;
}

/** Writes up to `limit` items as JSON lines, following nextCursor (100 per request at most). */
export async function printPages(limit: number, fetch: PageFetch, out: { write(line: string): unknown }): Promise<void> {
  let printed = 0;
  let cursor: string | undefined;
  do {
    const data = await fetch({ limit: Math.min(100, limit - printed), ...(cursor ? { cursor } : {}) });
    for (const item of data.items) out.write(`${JSON.stringify(item)}\n`);
    printed += data.items.length;
    cursor = data.nextCursor ?? undefined;
  } while (cursor && printed < limit);
}
