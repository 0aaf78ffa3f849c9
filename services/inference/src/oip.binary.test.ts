import { describe, expect, it } from 'vitest';
import { decodeBinaryRequest } from './oip.binary.ts';

/** A binary-extension body: JSON header padded with spaces to `headerLength` bytes, then the FP32 values. */
function body(values: number[], headerLength: number): Buffer {
  const json = JSON.stringify({ inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, values.length], parameters: { binary_data_size: values.length * 4 } }] });
  return Buffer.concat([Buffer.from(json.padEnd(headerLength, ' ')), Buffer.from(new Float32Array(values).buffer)]);
}

describe('decodeBinaryRequest', () => {
  // The tensor starts right after the header: 4-byte aligned in the body or not, the values are the same.
  it.each([120, 121, 122, 123])('reads FP32 data after a %i-byte header', (headerLength) => {
    const decoded = decodeBinaryRequest(body([1.5, -2, 0.25], headerLength), String(headerLength)) as { inputs: { data: Float32Array }[] };
    expect(decoded.inputs[0]?.data).toBeInstanceOf(Float32Array);
    expect([...(decoded.inputs[0]?.data ?? [])]).toEqual([1.5, -2, 0.25]);
  });

  it('refuses FP32 data whose size is not a multiple of 4', () => {
    const raw = Buffer.concat([Buffer.from('{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":3}}]}'), Buffer.alloc(3)]);
    expect(() => decodeBinaryRequest(raw, String(raw.length - 3))).toThrow('binary tensor data is supported for FP32 and BYTES inputs');
  });
});
