// Expansion bounds (STYLE.md 20): a deflated data set is inflated chunk by chunk and refused once it
// passes the limit, so memory stays near the limit whatever the file declares; pixel decoders refuse
// a frame whose declared size passes the pixel limit before allocating anything for it.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDicom, DicomError, inflatedDataSetBytes, parseDicom, parseDicomAsync, TransferSyntax } from '../src/index.ts';
import { decodeFirstFrame, openPixelFrames, PixelDecodeError } from '../src/pixels/index.ts';
import { deflateBomb, pixelBomb } from '../src/testing/bombs.ts';

const MiB = 1024 * 1024;
const uids = { study: '1.2.3.4', series: '1.2.3.4.5', sop: '1.2.3.4.5.6' };

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof DicomError || e instanceof PixelDecodeError ? e.code : String(e);
  }
}

describe('deflated data sets', () => {
  it('the bomb helper builds what it says: a small file whose data set inflates to header + payload', async () => {
    const bomb = deflateBomb(uids, 8 * MiB);
    expect(bomb.length).toBeLessThan(32 * 1024);
    const inflated = await inflatedDataSetBytes(bomb, 16 * MiB);
    expect(inflated).toBeGreaterThan(8 * MiB);
    expect(inflated).toBeLessThan(8 * MiB + 1024);
    const file = await parseDicomAsync(bomb, { maxInflatedBytes: 16 * MiB });
    expect(file.dataset.getString(0x0020000d)?.replace(/\0/g, '')).toBe(uids.study);
  });

  it('parseDicomAsync refuses a bomb with TOO_LARGE while the process stays far below what it declares', async () => {
    const bomb = deflateBomb(uids, 768 * MiB);
    global.gc?.();
    const before = process.memoryUsage();
    expect(await code(parseDicomAsync(bomb, { maxInflatedBytes: 4 * MiB }))).toBe('TOO_LARGE');
    expect(await code(inflatedDataSetBytes(bomb, 4 * MiB))).toBe('TOO_LARGE');
    const after = process.memoryUsage();
    // 768 MiB declared; inflation stops just past 4 MiB (chunks of 16 KiB), so growth stays small.
    expect(after.rss - before.rss).toBeLessThan(96 * MiB);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(32 * MiB);
  });

  it('the synchronous parser applies the same limit', () => {
    const bomb = deflateBomb(uids, 16 * MiB);
    expect(() => parseDicom(bomb, { maxInflatedBytes: 4 * MiB })).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
  });

  it('parseDicomAsync reads a real deflated file exactly as parseDicom does; other encodings have no inflated size', async () => {
    const elements = [{ tag: 0x00100010, vr: 'PN' as const, value: 'DOE^JANE' }, { tag: 0x00081030, vr: 'LO' as const, value: 'x'.repeat(60) }];
    const deflated = createDicom({ sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: uids.sop, transferSyntaxUid: TransferSyntax.DeflatedExplicitVRLittleEndian, elements });
    const sync = parseDicom(deflated);
    const async = await parseDicomAsync(deflated);
    expect(Buffer.from(async.source).equals(Buffer.from(sync.source))).toBe(true);
    expect(async.dataset.getString(0x00100010)).toBe('DOE^JANE');
    const start = 144 + deflated.readUInt32LE(140);
    expect(await inflatedDataSetBytes(deflated, MiB)).toBe(inflateRawSync(deflated.subarray(start)).length);
    const plain = createDicom({ sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: uids.sop, elements });
    expect(await inflatedDataSetBytes(plain, MiB)).toBeUndefined();
  });

  it('a corrupt deflate stream is TRUNCATED, not a crash', async () => {
    const bomb = deflateBomb(uids, MiB);
    const cut = Buffer.concat([bomb.subarray(0, 400), deflateRawSync(Buffer.from('x')).subarray(0, 1)]);
    expect(await code(parseDicomAsync(cut))).toMatch(/TRUNCATED|BAD_LENGTH|BAD_STRUCTURE/);
  });
});

describe('pixel frames', () => {
  it('a frame declaring 65535 x 65535 pixels is refused with TOO_LARGE before any decoder allocates', () => {
    const bomb = pixelBomb(uids, 65535, 65535);
    expect(bomb.length).toBeLessThan(4096);
    expect(() => decodeFirstFrame(bomb)).toThrow(expect.objectContaining({ code: 'TOO_LARGE', message: expect.stringMatching(/exceeds the limit of \d+ samples per frame/) }));
    const frames = openPixelFrames(pixelBomb(uids, 64, 64), { maxFramePixels: 64 * 64 });
    expect(frames.decode(0).rows).toBe(64);
    expect(() => openPixelFrames(pixelBomb(uids, 64, 65), { maxFramePixels: 64 * 64 })).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
  });

  it('a deflated instance past maxInflatedBytes is TOO_LARGE for the pixel reader too', () => {
    expect(() => openPixelFrames(deflateBomb(uids, 8 * MiB), { maxInflatedBytes: MiB })).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
  });
});
