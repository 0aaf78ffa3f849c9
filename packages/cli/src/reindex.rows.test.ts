import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDicom, summarizeInstance } from '@medgrade/dicom';
import { INSTANCE_COLUMNS, SERIES_COLUMNS, STUDY_COLUMNS, instanceValues, seriesValues, studyValues, updateClauses } from './reindex.rows.ts';

const CT = readFileSync('/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm');

describe('reindex rows', () => {
  it('maps a real file\'s summary onto exactly the declared columns, in the types the jsonb rows declare', () => {
    const s = summarizeInstance(parseDicom(CT));
    const inst = instanceValues(s, 'ab'.repeat(32), CT.length);
    expect(Object.keys(inst).sort()).toEqual(INSTANCE_COLUMNS.map((c) => c.name).sort());
    expect(Object.keys(studyValues(s)).sort()).toEqual(STUDY_COLUMNS.map((c) => c.name).sort());
    expect(Object.keys(seriesValues(s)).sort()).toEqual(SERIES_COLUMNS.map((c) => c.name).sort());
    expect(inst).toMatchObject({ byteSize: CT.length, rows: 128, columns: 128, bitsAllocated: 16, sopClassUid: '1.2.840.10008.5.1.4.1.1.2' });
    const study = studyValues(s);
    // Dates travel as the ISO day a jsonb `date` field reads.
    expect(study.studyDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(study.studyDate).toBe(s.studyDate!.toISOString().slice(0, 10));
    expect(seriesValues(s).modality).toBe('CT');
  });

  it('refresh sets every column and compares NULL-safely; fill never replaces a value', () => {
    const cols = [{ name: 'a', type: 'text' as const }, { name: 'b', type: 'int' as const }];
    expect(updateClauses(cols, 'refresh')).toEqual({
      set: '"a" = x."a", "b" = x."b"',
      changed: 't."a" IS DISTINCT FROM x."a" OR t."b" IS DISTINCT FROM x."b"',
    });
    expect(updateClauses(cols, 'fill')).toEqual({
      set: '"a" = COALESCE(t."a", x."a"), "b" = COALESCE(t."b", x."b")',
      changed: '(t."a" IS NULL AND x."a" IS NOT NULL) OR (t."b" IS NULL AND x."b" IS NOT NULL)',
    });
  });
});
