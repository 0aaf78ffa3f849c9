// The /v1/studies order, newest StudyDate first, and its keyset cursor. The order is (studyDate
// DESC, id DESC) with studies without a date after all dated ones. A page is read as two index
// walks, dated rows then undated ones, because Postgres's DESC index keeps NULLs first: asking
// for NULLS LAST in one query would sort every matching row instead of reading the index in order
// (Study_orgId_studyDate_id_idx / Study_projectId_studyDate_id_idx, which Prisma declares without
// a NULLS clause). The cursor names the last row returned, so rows inserted or deleted between
// pages neither repeat nor shift the next page.
import { BadRequestError } from '@medgrade/contracts';
import type { Prisma } from '@medgrade/db';

/** Position after which the next page starts: the last row's date (null: undated) and id. */
export interface StudyCursor {
  studyDate: string | null;
  id: string;
}

/** The wire form: `<YYYY-MM-DD or "none">_<id>`, opaque to clients (they pass nextCursor back). */
export const STUDY_CURSOR_PATTERN = /^(\d{4}-\d{2}-\d{2}|none)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeStudyCursor(row: { studyDate: Date | null; id: string }): string {
  return `${row.studyDate ? row.studyDate.toISOString().slice(0, 10) : 'none'}_${row.id}`;
}

/** Parses a cursor; one that is not a nextCursor of this list is a 400 (the value is not echoed). */
export function decodeStudyCursor(cursor: string): StudyCursor {
  const match = STUDY_CURSOR_PATTERN.exec(cursor);
  const date = match?.[1] === 'none' ? null : match?.[1];
  // A date the calendar lacks (2024-02-30) does not survive the round trip through Date.
  if (!match || (date && dayOf(date)?.toISOString().slice(0, 10) !== date)) {
    throw new BadRequestError('cursor is not a nextCursor of GET /v1/studies: pass nextCursor of the previous page unchanged, or omit it for the first page', { key: 'cursor' });
  }
  return { studyDate: date ?? null, id: match[2]! };
}

function dayOf(date: string): Date | undefined {
  const day = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(day.getTime()) ? undefined : day;
}

const BY_DATE_THEN_ID: Prisma.StudyOrderByWithRelationInput[] = [{ studyDate: 'desc' }, { id: 'desc' }];

/** One index walk of a page: its extra conditions (ANDed with the filters) and order. */
export interface StudyWalk {
  where: Prisma.StudyWhereInput;
  orderBy: Prisma.StudyOrderByWithRelationInput[];
}

/**
 * The walks that continue after `cursor`, in order: dated rows (none when the cursor is already
 * among the undated ones), then undated rows. The redundant `lte` on the date bounds the index
 * scan at the cursor's date, so a deep page does not read the rows before it.
 */
export function studyWalks(cursor: StudyCursor | undefined): StudyWalk[] {
  const afterUndated = cursor && !cursor.studyDate ? { id: { lt: cursor.id } } : {};
  const undated: StudyWalk = { where: { studyDate: null, ...afterUndated }, orderBy: BY_DATE_THEN_ID };
  if (!cursor) return [{ where: { studyDate: { not: null } }, orderBy: BY_DATE_THEN_ID }, undated];
  if (!cursor.studyDate) return [undated];
  const day = dayOf(cursor.studyDate)!;
  const dated: StudyWalk = {
    where: { studyDate: { lte: day }, OR: [{ studyDate: { lt: day } }, { id: { lt: cursor.id } }] },
    orderBy: BY_DATE_THEN_ID,
  };
  return [dated, undated];
}

/** Reads up to `limit` rows matching `filters` in list order after `cursor`, walk by walk. */
export async function readStudyPage<T extends { studyDate: Date | null; id: string }>(
  find: (args: { where: Prisma.StudyWhereInput; orderBy: Prisma.StudyOrderByWithRelationInput[]; take: number }) => Promise<T[]>,
  filters: Prisma.StudyWhereInput,
  limit: number,
  cursor: StudyCursor | undefined,
): Promise<{ rows: T[]; nextCursor: string | null }> {
  const rows: T[] = [];
  for (const walk of studyWalks(cursor)) {
    if (rows.length === limit) break;
    rows.push(...await find({ where: { AND: [filters, walk.where] }, orderBy: walk.orderBy, take: limit - rows.length }));
  }
  return { rows, nextCursor: rows.length === limit ? encodeStudyCursor(rows.at(-1)!) : null };
}
