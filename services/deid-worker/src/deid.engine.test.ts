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

  // The file: accession number and Study ID "134", study time 02:51:09, "Brain" / "FAST LOCALIZER",
  // series and instance number 1, empty referring physician and birth date.
  it('carries the QIDO study, series and instance attributes as the output has them: surrogate accession, removed descriptions', async () => {
    const input = parseDicom(readFileSync(MR)).dataset;
    expect([input.getString(0x00080050), input.getString(0x00200010), input.getString(0x00081030)]).toEqual(['134', '134', 'Brain']);
    const outcome = await createDeidentifier().run(readFileSync(MR), project);
    if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.code}`);
    const out = parseDicom(outcome.output).dataset;
    const { summary } = outcome;
    const outText = (tag: number) => out.getString(tag)?.trim() || undefined;
    // The default profile: accession replaced by a surrogate (Z allows a dummy), Study ID emptied (Z),
    // descriptions removed (X without Clean Descriptors), times kept (whole-day shifts).
    expect(summary.accessionNumber).toBe(outText(0x00080050));
    expect(summary.accessionNumber).toMatch(/^A\d{9}$/);
    expect([summary.studyId, outText(0x00200010)]).toEqual([undefined, undefined]);
    expect([summary.studyDescription, summary.seriesDescription, out.has(0x00081030), out.has(0x0008103e)]).toEqual([undefined, undefined, false, false]);
    expect([summary.studyTime, summary.seriesTime]).toEqual([outText(0x00080030), outText(0x00080031)]);
    expect(summary.studyTime).toBe('025109');
    expect([summary.referringPhysicianName, summary.patientBirthDate]).toEqual([undefined, undefined]);
    expect([summary.seriesNumber, summary.instanceNumber, summary.bitsAllocated]).toEqual([1, 1, 16]);
    // With Clean Descriptors the descriptions stay (nothing identifying in them).
    const clean = await createDeidentifier().run(readFileSync(MR), { ...project, options: { ...DEFAULT_DEID_OPTIONS, cleanDescriptors: true } });
    expect(clean.kind === 'ok' && [clean.summary.studyDescription, clean.summary.seriesDescription]).toEqual(['Brain', 'FAST LOCALIZER']);
  });
});
