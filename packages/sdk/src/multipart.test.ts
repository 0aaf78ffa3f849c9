import { describe, expect, it } from 'vitest';
import { multipartBoundary, multipartParts, parseMultipart } from './multipart.ts';

const enc = new TextEncoder();

function body(boundary: string, parts: Uint8Array[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const p of parts) chunks.push(enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\nContent-Location: /x\r\n\r\n`), p, enc.encode('\r\n'));
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

describe('multipart/related', () => {
  it('finds the boundary, quoted or not', () => {
    expect(multipartBoundary('multipart/related; type="application/dicom"; boundary=medgrade-ab12')).toBe('medgrade-ab12');
    expect(multipartBoundary('multipart/related; boundary="a b"; type=x')).toBe('a b');
    expect(multipartBoundary('application/json')).toBeNull();
  });

  it('splits parts byte for byte, CR LF and dashes inside a part included', async () => {
    const a = new Uint8Array([0, 1, 2, 13, 10, 45, 45, 255]);
    const b = enc.encode('DICM\r\n--not-the-boundary');
    const type = 'multipart/related; type="application/dicom"; boundary=bnd';
    const parts = parseMultipart(body('bnd', [a, b]), type);
    expect(parts.map((p) => Array.from(p.bytes))).toEqual([Array.from(a), Array.from(b)]);
    expect(parts[0]!.headers).toEqual({ 'content-type': 'application/dicom', 'content-location': '/x' });
    const blobParts = await multipartParts(new Blob([body('bnd', [a]) as Uint8Array<ArrayBuffer>], { type }));
    expect(Array.from(blobParts[0]!.bytes)).toEqual(Array.from(a));
  });

  it('refuses a cut body', () => {
    const whole = body('bnd', [enc.encode('abc')]);
    expect(() => parseMultipart(whole.subarray(0, whole.length - 12), 'multipart/related; boundary=bnd')).toThrow(/ends inside a part/);
  });
});
