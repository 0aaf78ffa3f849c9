import { describe, expect, it } from 'vitest';
import { MultipartError, parseMultipartType, readMultipart, writeMultipart, type MultipartLimits } from './multipart.ts';

const limits: MultipartLimits = { maxPartBytes: 1 << 20, maxTotalBytes: 8 << 20 };

async function* chunked(body: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

async function collect(input: AsyncIterable<Buffer>, boundary: string, l = limits) {
  const out: { headers: Record<string, string>; body: Buffer }[] = [];
  for await (const part of readMultipart(input, boundary, l)) {
    const chunks: Buffer[] = [];
    for await (const c of part.body) chunks.push(c);
    out.push({ headers: part.headers, body: Buffer.concat(chunks) });
  }
  return out;
}

async function build(boundary: string, bodies: Buffer[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const parts = (async function* () {
    for (const body of bodies) yield { contentType: 'application/dicom', body };
  })();
  for await (const c of writeMultipart(boundary, parts)) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('multipart/related', () => {
  it('parses the type parameters', () => {
    expect(parseMultipartType('multipart/related; type="application/dicom"; boundary=abc')).toEqual({ media: 'multipart/related', type: 'application/dicom', boundary: 'abc' });
    expect(parseMultipartType(undefined)).toEqual({ media: '' });
  });

  it('round-trips binary parts at every chunk size, including boundary-like bytes', async () => {
    const tricky = Buffer.concat([Buffer.from('\r\n--bound'), Buffer.alloc(300, 7), Buffer.from('\r\n--')]);
    const bodies = [Buffer.from('first'), tricky, Buffer.alloc(0), Buffer.alloc(5000, 0xab)];
    const wire = Buffer.concat([Buffer.from('preamble text\r\n'), await build('boundary42', bodies), Buffer.from('epilogue')]);
    for (const size of [1, 3, 17, 64, 4096, wire.length]) {
      const parts = await collect(chunked(wire, size), 'boundary42');
      expect(parts.map((p) => p.body.toString('hex'))).toEqual(bodies.map((b) => b.toString('hex')));
      expect(parts[0]!.headers['content-type']).toBe('application/dicom');
    }
  });

  it('still finds the next part when a consumer abandons a body', async () => {
    const wire = await build('b', [Buffer.alloc(10_000, 1), Buffer.from('second')]);
    const seen: string[] = [];
    for await (const part of readMultipart(chunked(wire, 100), 'b', limits)) {
      for await (const c of part.body) {
        seen.push(c.subarray(0, 6).toString());
        break;
      }
    }
    expect(seen[1]).toBe('second');
  });

  it('rejects a part over the per-part limit and a body over the total limit', async () => {
    const wire = await build('b', [Buffer.alloc(2000), Buffer.alloc(10)]);
    await expect(collect(chunked(wire, 64), 'b', { maxPartBytes: 1000, maxTotalBytes: 1e6 })).rejects.toMatchObject({ code: 'PART_TOO_LARGE' });
    await expect(collect(chunked(wire, 64), 'b', { maxPartBytes: 1e6, maxTotalBytes: 500 })).rejects.toMatchObject({ code: 'REQUEST_TOO_LARGE' });
  });

  it('reports truncated and malformed bodies with typed errors', async () => {
    const wire = await build('b', [Buffer.alloc(100, 1)]);
    await expect(collect(chunked(wire.subarray(0, 80), 10), 'b')).rejects.toMatchObject({ code: 'MULTIPART_TRUNCATED' });
    await expect(collect(chunked(Buffer.from('no boundary here'), 4), 'b')).rejects.toBeInstanceOf(MultipartError);
    await expect(collect(chunked(wire, 10), 'wrong')).rejects.toMatchObject({ code: 'MULTIPART_MALFORMED' });
  });
});
