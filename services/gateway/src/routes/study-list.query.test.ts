import { describe, expect, it } from 'vitest';
import { AppError } from '@medgrade/contracts';
import { decodeStudyCursor, encodeStudyCursor, readStudyPage, studyWalks } from './study-list.query.ts';

const ID = '0b7d3c1e-5f2a-4c8e-9d3b-1a2b3c4d5e6f';

describe('study list cursor', () => {
  it('round-trips dated and undated positions', () => {
    const dated = encodeStudyCursor({ studyDate: new Date('2021-03-04T00:00:00Z'), id: ID });
    expect(dated).toBe(`2021-03-04_${ID}`);
    expect(decodeStudyCursor(dated)).toEqual({ studyDate: '2021-03-04', id: ID });
    expect(decodeStudyCursor(encodeStudyCursor({ studyDate: null, id: ID }))).toEqual({ studyDate: null, id: ID });
  });

  it('refuses anything but a nextCursor with a 400 that does not echo it', () => {
    for (const bad of [ID, `2021-02-30_${ID}`, `2021-13-01_${ID}`, `none_${ID.toUpperCase()}`, `2021-03-04_${ID}x`, 'DOE^JOHN', '']) {
      let thrown: unknown;
      try { decodeStudyCursor(bad); } catch (e) { thrown = e; }
      expect(thrown).toBeInstanceOf(AppError);
      expect({ bad, status: (thrown as AppError).status, code: (thrown as AppError).code }).toEqual({ bad, status: 400, code: 'BAD_REQUEST' });
      expect((thrown as AppError).message).not.toContain('DOE');
    }
  });
});

describe('study list walks', () => {
  it('reads dated rows, then undated ones, each after the cursor', () => {
    expect(studyWalks(undefined).map((w) => w.where)).toEqual([{ studyDate: { not: null } }, { studyDate: null }]);
    const day = new Date('2021-03-04T00:00:00Z');
    expect(studyWalks({ studyDate: '2021-03-04', id: ID }).map((w) => w.where)).toEqual([
      { studyDate: { lte: day }, OR: [{ studyDate: { lt: day } }, { id: { lt: ID } }] },
      { studyDate: null },
    ]);
    expect(studyWalks({ studyDate: null, id: ID }).map((w) => w.where)).toEqual([{ studyDate: null, id: { lt: ID } }]);
  });

  it('fills a page from the second walk only when the first runs short, and names its last row', async () => {
    const d = new Date('2020-01-01T00:00:00Z');
    type Row = { id: string; studyDate: Date | null };
    const dated: Row[] = [{ id: 'c', studyDate: d }];
    const undated: Row[] = [{ id: 'b', studyDate: null }, { id: 'a', studyDate: null }];
    const takes: number[] = [];
    const find = async (args: { where: { AND?: unknown }; take: number }) => {
      takes.push(args.take);
      const walk = (args.where.AND as object[])[1] as { studyDate: unknown };
      return (walk.studyDate === null ? undated : dated).slice(0, args.take);
    };
    const page = await readStudyPage(find, { orgId: 'o' }, 2, undefined);
    expect(page).toEqual({ rows: [dated[0], undated[0]], nextCursor: 'none_b' });
    expect(takes).toEqual([2, 1]);
    takes.length = 0;
    expect((await readStudyPage(find, { orgId: 'o' }, 1, undefined)).nextCursor).toBe('2020-01-01_c');
    expect(takes).toEqual([1]);
    expect((await readStudyPage(find, { orgId: 'o' }, 5, undefined)).nextCursor).toBeNull();
  });
});
