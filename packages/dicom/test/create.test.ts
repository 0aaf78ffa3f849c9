import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDicom, DicomError, frameBytes, imageInfo, parseDicom, tagOf, TransferSyntax } from '../src/index.ts';
import { runPython } from './corpus.ts';

const t = (k: string): number => tagOf(k)!;

function radiograph(transferSyntaxUid: string): Buffer {
  const pixels = new Uint16Array(32 * 24).map((_, i) => (i * 7) % 4096);
  const bytes = new Uint8Array(pixels.buffer);
  if (transferSyntaxUid === TransferSyntax.ExplicitVRBigEndian) Buffer.from(bytes.buffer).swap16();
  return createDicom({
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1', sopInstanceUid: '2.25.42', transferSyntaxUid,
    elements: [
      { tag: t('SpecificCharacterSet'), value: 'ISO_IR 192' },
      { tag: t('PatientName'), value: 'Synthétique^Patient' },
      { tag: t('Modality'), value: 'DX' },
      { tag: t('Rows'), value: 24 }, { tag: t('Columns'), value: 32 },
      { tag: t('BitsAllocated'), value: 16 }, { tag: t('BitsStored'), value: 12 }, { tag: t('HighBit'), value: 11 },
      { tag: t('PixelRepresentation'), value: 0 }, { tag: t('SamplesPerPixel'), value: 1 },
      { tag: t('PhotometricInterpretation'), value: 'MONOCHROME2' },
      { tag: t('ImagerPixelSpacing'), value: [0.139, 0.139] },
      { tag: t('AnatomicRegionSequence'), value: [[
        { tag: t('CodeValue'), value: 'T-D3000' }, { tag: t('CodingSchemeDesignator'), value: 'SRT' },
        { tag: t('CodeMeaning'), value: 'Chest' },
        { tag: t('AnatomicRegionModifierSequence'), value: [[{ tag: t('CodeMeaning'), value: 'nested' }]] },
      ]] },
      { tag: t('PixelData'), vr: 'OW', value: bytes },
    ],
  });
}

describe('createDicom', () => {
  it('builds files that we and pydicom read back identically in every data set encoding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dicom-create-'));
    const paths: string[] = [];
    for (const ts of Object.values(TransferSyntax)) {
      const buf = radiograph(ts);
      const file = parseDicom(buf);
      expect(file.transferSyntaxUid).toBe(ts);
      expect(file.dataset.getString(t('PatientName'))).toBe('Synthétique^Patient');
      expect(imageInfo(file).rows).toBe(24);
      const px = frameBytes(file, 0);
      const view = new DataView(px.buffer, px.byteOffset, px.length);
      expect(view.getUint16(2 * 5, file.dataset.context.littleEndian)).toBe(35);
      const nested = file.dataset.items(t('AnatomicRegionSequence'))![0]!.items(t('AnatomicRegionModifierSequence'))![0]!;
      expect(nested.getString(t('CodeMeaning'))).toBe('nested');
      const p = join(dir, `${ts}.dcm`);
      writeFileSync(p, buf);
      paths.push(p);
    }
    const py = runPython<Record<string, [string, number, number, string]>>(`
import json, sys, pydicom
res = {}
for f in json.load(sys.stdin):
    ds = pydicom.dcmread(f)
    a = ds.pixel_array
    res[f] = [str(ds.PatientName), int(a[0, 5]), int(a.sum()), ds.AnatomicRegionSequence[0].AnatomicRegionModifierSequence[0].CodeMeaning]
print(json.dumps(res))
`, paths);
    const sum = Array.from({ length: 32 * 24 }, (_, i) => (i * 7) % 4096).reduce((a, b) => a + b, 0);
    for (const p of paths) expect(py[p]).toEqual(['Synthétique^Patient', 35, sum, 'nested']);
  });

  it('rejects values that cannot be encoded, saying which tag', () => {
    const build = (): Buffer => createDicom({ sopClassUid: '1.2', sopInstanceUid: '2.25.1', elements: [{ tag: t('PatientName'), value: 'Ж' }] });
    expect(build).toThrow(DicomError);
    expect(() => createDicom({ sopClassUid: '1.2', sopInstanceUid: '2.25.1', elements: [{ tag: t('Rows'), value: 'many' }] })).toThrow(/\(0028,0010\)/);
  });
});
