// Resize against PyTorch's F.interpolate values written by scripts/make_test_bundle.py, and the
// window / MONOCHROME1 / normalize steps on hand-computed values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyWindow, chooseWindow, preprocessFrame } from './preprocess.ts';
import { resizeBilinear } from '@medgrade/dicom/render';

const expected = JSON.parse(readFileSync(join(import.meta.dirname, '../test/fixtures/tiny-bundle.expected.json'), 'utf8')) as {
  resize: { input: number[][]; up_4x5: number[][]; down_1x2: number[][] };
};

function close(actual: Float32Array, want: number[][]): void {
  const flat = want.flat();
  expect(actual.length).toBe(flat.length);
  flat.forEach((w, i) => expect(actual[i]).toBeCloseTo(w, 5));
}

describe('resizeBilinear matches torch align_corners=False', () => {
  const input = Float32Array.from(expected.resize.input.flat());
  it('upsamples 2x3 → 4x5', () => close(resizeBilinear(input, 2, 3, 4, 5), expected.resize.up_4x5));
  it('downsamples 2x3 → 1x2', () => close(resizeBilinear(input, 2, 3, 1, 2), expected.resize.down_1x2));
  it('returns the input when sizes match', () => expect(resizeBilinear(input, 2, 3, 2, 3)).toBe(input));
});

describe('window and preprocessFrame', () => {
  const manifest = {
    input: { modality: ['CR'], channels: 1, height: 2, width: 2 },
    preprocessing: { window: { mode: 'header' as const }, invertMonochrome1: true, resize: { method: 'bilinear' as const }, normalize: { mean: 0.5, std: 0.25 } },
  };
  const frame = { rows: 2, columns: 2, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', data: Float32Array.from([0, 100, 200, 400]) };

  it('uses the header window, clamping outside it', () => {
    // slope 2, intercept -100 → [-100, 100, 300, 700]; window c=300 w=400 (100..500) → [0, 0, 0.5, 1]
    const out = preprocessFrame(frame, { rescaleSlope: 2, rescaleIntercept: -100, windowCenter: 300, windowWidth: 400 }, manifest);
    expect(Array.from(out)).toEqual([-2, -2, 0, 2]);
  });

  it('falls back to min/max without a header window and inverts MONOCHROME1', () => {
    const out = preprocessFrame({ ...frame, photometricInterpretation: 'MONOCHROME1' }, {}, manifest);
    // minmax → [0, .25, .5, 1]; inverted → [1, .75, .5, 0]; normalized
    expect(Array.from(out)).toEqual([2, 1, 0, -2]);
  });

  it('folds colour to BT.601 luma: RGB by the weights, YBR_FULL by its Y plane (the same grey)', () => {
    // RGB pixels red, green, blue, white; their YBR_FULL Y values are 0.299/0.587/0.114/1 × 255.
    const rgb = Float32Array.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
    const ybr = Float32Array.from([76.245, 149.685, 29.07, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
    const colour = { rows: 2, columns: 2, samplesPerPixel: 3 };
    const fromRgb = preprocessFrame({ ...colour, photometricInterpretation: 'RGB', data: rgb }, {}, manifest);
    const fromYbr = preprocessFrame({ ...colour, photometricInterpretation: 'YBR_FULL', data: ybr }, {}, manifest);
    Array.from(fromYbr).forEach((v, i) => expect(v).toBeCloseTo(fromRgb[i]!, 4));
    expect(fromYbr[3]).toBeCloseTo(2, 4); // white is the window's top
  });

  it('uses a fixed window from the manifest and maps a flat image to 0', () => {
    expect(chooseWindow(Float32Array.from([1, 2]), { mode: 'fixed', center: 10, width: 4 }, { windowCenter: 0, windowWidth: 1 })).toEqual({ center: 10, width: 4 });
    expect(Array.from(applyWindow(Float32Array.from([5, 5]), 5, 0))).toEqual([0, 0]);
  });
});
