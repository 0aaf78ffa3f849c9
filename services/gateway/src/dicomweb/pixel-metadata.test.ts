// /metadata's Photometric Interpretation on pydicom's colour files: rewritten only where the
// uncompressed frames this server decodes are in another colour model than the stored encoding.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDicom } from '@medgrade/dicom';
import { toDicomJson } from './dicom-json.ts';
import { describeUncompressedFrames } from './pixel-metadata.ts';

const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

function photometric(file: string): { stored: unknown; described: unknown; planar: unknown } {
  const dicom = parseDicom(readFileSync(join(PYDICOM, file)));
  const stored = toDicomJson(dicom.dataset)['00280004']?.Value?.[0];
  const json = describeUncompressedFrames(toDicomJson(dicom.dataset), dicom);
  return { stored, described: json['00280004']?.Value?.[0], planar: json['00280006']?.Value?.[0] };
}

describe('describeUncompressedFrames', () => {
  it('JPEG Baseline YBR_FULL_422 and YBR_FULL: RGB, what the decoded frames are', () => {
    expect(photometric('SC_rgb_dcmtk_+eb+cy+s2.dcm')).toEqual({ stored: 'YBR_FULL_422', described: 'RGB', planar: 0 });
    expect(photometric('SC_rgb_dcmtk_+eb+cy+s4.dcm')).toEqual({ stored: 'YBR_FULL', described: 'RGB', planar: 0 });
  });

  it('JPEG RGB, RLE, native YBR_FULL_422: as stored', () => {
    expect(photometric('SC_rgb_dcmtk_+eb+cr.dcm')).toMatchObject({ stored: 'RGB', described: 'RGB' });
    expect(photometric('SC_rgb_rle.dcm')).toMatchObject({ stored: 'RGB', described: 'RGB' });
    expect(photometric('SC_ybr_full_422_uncompressed.dcm')).toMatchObject({ stored: 'YBR_FULL_422', described: 'YBR_FULL_422' });
  });

  it('JPEG 2000 YBR_RCT, which this server cannot decode (frames only as stored): as stored', () => {
    expect(photometric('GDCMJ2K_TextGBR.dcm')).toMatchObject({ stored: 'YBR_RCT', described: 'YBR_RCT' });
  });
});
