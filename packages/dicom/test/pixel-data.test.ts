import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DicomError, frameBytes, imageInfo, parseDicom, pixelData } from '../src/index.ts';
import { pydicomFile, runPython } from './corpus.ts';

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

// pydicom's frames: encapsulated through its own offset-table logic, native by slicing PixelData.
const PY_FRAMES = `
import hashlib, json, sys, pydicom
from pydicom.encaps import generate_pixel_data_frame
res = {}
for f in json.load(sys.stdin):
    ds = pydicom.dcmread(f)
    n = int(ds.get('NumberOfFrames', 1) or 1)
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        frames = list(generate_pixel_data_frame(ds.PixelData, n))
    else:
        size = len(ds.PixelData) // n
        frames = [ds.PixelData[i * size:(i + 1) * size] for i in range(n)]
    res[f] = [hashlib.md5(x).hexdigest() for x in frames]
print(json.dumps(res))
`;

const FILES = ['SC_rgb_rle_2frame.dcm', 'SC_rgb_rle_32bit_2frame.dcm', 'rtdose_rle.dcm', 'rtdose.dcm', 'rtdose_expb.dcm', 'JPEG2000.dcm', 'MR_small.dcm', 'SC_rgb_jpeg_gdcm.dcm'].map(pydicomFile);

describe('pixel data access', () => {
  it('returns the same frames as pydicom, native and encapsulated', () => {
    const expected = runPython<Record<string, string[]>>(PY_FRAMES, FILES);
    for (const f of FILES) {
      const file = parseDicom(readFileSync(f));
      const frames = Array.from({ length: imageInfo(file).numberOfFrames }, (_, i) => md5(frameBytes(file, i)));
      expect(frames, f).toEqual(expected[f]);
    }
  });

  it('reports the image attributes and where the pixels are', () => {
    const file = parseDicom(readFileSync(pydicomFile('MR_small_bigendian.dcm')));
    const info = imageInfo(file);
    expect([info.rows, info.columns, info.bitsAllocated, info.bitsStored, info.pixelRepresentation, info.samplesPerPixel]).toEqual([64, 64, 16, 16, 1, 1]);
    const px = pixelData(file)!;
    expect(px.encapsulated).toBe(false);
    expect(px.littleEndian).toBe(false);
    expect(px.bytes.length).toBe(64 * 64 * 2);
    const rle = pixelData(parseDicom(readFileSync(pydicomFile('SC_rgb_rle_2frame.dcm'))))!;
    expect(rle.encapsulated).toBe(true);
    expect(rle.fragments.length).toBe(2);
    expect(() => frameBytes(file, 1)).toThrow(DicomError);
  });
});
