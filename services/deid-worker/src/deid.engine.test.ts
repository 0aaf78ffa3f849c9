// The index fields come from the de-identified output, not from the upload: a real MR file
// (pydicom's test corpus, patient "Doe^Peter", ID 98890234, series date 2003-05-05) through the
// engine with the project defaults (surrogate name and ID, per-patient shifted dates).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEID_OPTIONS } from '@medgrade/deid';
import { parseDicom } from '@medgrade/dicom';
import { createDeidentifier } from './deid.engine.ts';

const MR = '/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/98892003/MR1/4919';
const project = { options: DEFAULT_DEID_OPTIONS, burnedInPolicy: 'flag' as const, secret: Buffer.alloc(32, 7) };

describe('deidentifier summary', () => {
  it('carries the de-identified PatientName, PatientID and shifted SeriesDate of the output, never the uploaded ones', async () => {
    const input = readFileSync(MR);
    expect(parseDicom(input).dataset.getString(0x00100010)).toBe('Doe^Peter');
    const outcome = await createDeidentifier().run(input, project);
    if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.code}`);
    const out = parseDicom(outcome.output).dataset;
    const { summary } = outcome;
    expect(summary.patientName).toBe(out.getString(0x00100010)?.trim());
    expect(summary.patientName).toMatch(/^[A-Za-z' -]+\^[A-Za-z' -]+/);
    expect(summary.patientName).not.toContain('Doe');
    expect(summary.patientName).not.toContain('Peter');
    expect(summary.patientSurrogateId).toBe(out.getString(0x00100020)?.trim());
    expect(summary.patientSurrogateId).not.toBe('98890234');
    expect(summary.seriesDate?.toISOString().slice(0, 10).replace(/-/g, '')).toBe(out.getString(0x00080021));
    expect(summary.seriesDate?.toISOString().slice(0, 10)).not.toBe('2003-05-05');
    // The same patient again: the same surrogates (longitudinal linking without a lookup table).
    const again = await createDeidentifier().run(readFileSync(MR.replace('MR1/4919', 'MR2/4950')), project);
    expect(again.kind === 'ok' && [again.summary.patientName, again.summary.patientSurrogateId]).toEqual([summary.patientName, summary.patientSurrogateId]);
  });
});
