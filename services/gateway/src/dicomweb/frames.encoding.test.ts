// Accept negotiation for WADO-RS frames (PS3.18 8.7.3): what each Accept gets for native,
// decodable compressed and undecodable compressed instances.
import { describe, expect, it } from 'vitest';
import { parseAccept } from './accept.ts';
import { chooseFrameEncoding, frameRanges, type StoredPixels } from './frames.encoding.ts';

const NATIVE: StoredPixels = { transferSyntaxUid: '1.2.840.10008.1.2', encapsulated: false, decodable: true };
const JPEG: StoredPixels = { transferSyntaxUid: '1.2.840.10008.1.2.4.50', encapsulated: true, decodable: true };
const RLE: StoredPixels = { transferSyntaxUid: '1.2.840.10008.1.2.5', encapsulated: true, decodable: true };
const J2K: StoredPixels = { transferSyntaxUid: '1.2.840.10008.1.2.4.90', encapsulated: true, decodable: false };
const choose = (accept: string | undefined, px: StoredPixels) => chooseFrameEncoding(frameRanges(accept), px);

describe('parseAccept', () => {
  it('orders by q, keeps quoted parameters with commas and semicolons, drops q=0', () => {
    const ranges = parseAccept('image/png;q=0.5, multipart/related; type="application/octet-stream"; transfer-syntax=*, text/x;q=0, a/b; x="1,2;3"');
    expect(ranges.map((r) => r.media)).toEqual(['multipart/related', 'a/b', 'image/png']);
    expect(ranges[0]!.params).toEqual({ type: 'application/octet-stream', 'transfer-syntax': '*' });
    expect(ranges[1]!.params.x).toBe('1,2;3');
  });
});

describe('chooseFrameEncoding', () => {
  it('defaults to uncompressed little endian, decoding compressed data it can decode', () => {
    for (const accept of [undefined, '*/*', 'multipart/related', 'multipart/related; type="application/octet-stream"', 'multipart/related; type=application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1']) {
      expect(choose(accept, JPEG)).toEqual({ kind: 'native', contentType: 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1', media: 'application/octet-stream' });
      expect(choose(accept, NATIVE).kind).toBe('native');
    }
  });

  it('transfer-syntax=* returns compressed frames as stored, with their media type and transfer syntax', () => {
    expect(choose('multipart/related; type="application/octet-stream"; transfer-syntax=*', JPEG)).toEqual({ kind: 'stored', contentType: 'image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50', media: 'image/jpeg' });
    expect(choose('multipart/related; type="application/octet-stream"; transfer-syntax=*', RLE).contentType).toBe('image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5');
    expect(choose('multipart/related; type="application/octet-stream"; transfer-syntax=*', NATIVE).kind).toBe('native');
  });

  it('a compressed media type matches the stored encoding: its default, the stored lossy one, * or the exact UID', () => {
    expect(choose('multipart/related; type="image/jpeg"', JPEG).kind).toBe('stored'); // only a lossy copy exists
    expect(choose('multipart/related; type="image/x-dicom-rle"', RLE).kind).toBe('stored');
    expect(choose('multipart/related; type="image/jpeg"; transfer-syntax=1.2.840.10008.1.2.4.50', JPEG).kind).toBe('stored');
    expect(() => choose('multipart/related; type="image/jpeg"; transfer-syntax=1.2.840.10008.1.2.4.70', JPEG)).toThrow(/stored as 1.2.840.10008.1.2.4.50/);
    expect(() => choose('multipart/related; type="image/jpeg"', RLE)).toThrow(/transfer-syntax=\*/);
  });

  it('an encoding this server cannot decode: stored for wildcards and *, 406 for an explicit uncompressed request', () => {
    expect(choose(undefined, J2K)).toEqual({ kind: 'stored', contentType: 'image/jp2; transfer-syntax=1.2.840.10008.1.2.4.90', media: 'image/jp2' });
    expect(() => choose('multipart/related; type="application/octet-stream"', J2K)).toThrow(/cannot decompress/);
  });

  it('takes the first acceptable range in preference order', () => {
    const accept = 'multipart/related; type="image/jls", multipart/related; type="application/octet-stream"; transfer-syntax=*;q=0.9';
    expect(choose(accept, JPEG).kind).toBe('stored');
    expect(choose('multipart/related; type="image/jpeg";q=0.1, multipart/related; type="application/octet-stream"', JPEG).kind).toBe('native');
  });

  it('406 up front for Accept values no frame could match', () => {
    expect(() => frameRanges('application/json')).toThrow(/multipart\/related; type="application\/octet-stream"/);
    expect(() => frameRanges('application/octet-stream')).toThrow(/Frames are served/);
  });
});
