// The colour model of decoded frames, which WADO-RS /metadata then states for uncompressed frames.
// The rule is DCMTK's default decompression (dcmdjpeg +cp, dcmdrle), which dcm4che's
// PhotometricInterpretation.decompress() shares for the common JPEG case: a JPEG or JPEG 2000
// stream codes colour as YCbCr for compression's sake, so its frames decode to RGB, interleaved
// (what every JPEG decoder a client uses outputs too); RLE codes the samples as they are, so
// RGB stays RGB and YBR_FULL stays YBR_FULL; native data is served as stored.

/** JPEG (ITU T.81) and JPEG 2000 transfer syntaxes: codecs that carry colour as YCbCr. */
const YCBCR_CODECS: ReadonlySet<string> = new Set([
  '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.92', '1.2.840.10008.1.2.4.93',
  '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203',
]);

/** Photometric Interpretation of the frames decoded from encapsulated pixel data of `transferSyntaxUid`. */
export function decodedPhotometric(stored: string, samplesPerPixel: number, transferSyntaxUid: string): string {
  const pi = stored.trim();
  return samplesPerPixel === 3 && pi.startsWith('YBR') && YCBCR_CODECS.has(transferSyntaxUid) ? 'RGB' : pi;
}

/** Image Pixel attributes of a frame served uncompressed: what /metadata must state for it. */
export interface UncompressedDescription {
  photometricInterpretation: string;
  planarConfiguration: number;
  bitsAllocated: number;
}

/**
 * How uncompressed frames of an instance are laid out. Native data is served as stored (4:2:2
 * included); decoded frames take decodedPhotometric() and keep the header's PlanarConfiguration
 * (RLE's planes and JPEG's interleaved pixels are both rewritten to it).
 */
export function uncompressedDescription(
  source: { transferSyntaxUid: string; photometricInterpretation: string; samplesPerPixel: number; planarConfiguration: number; bitsAllocated: number },
  encapsulated: boolean,
): UncompressedDescription {
  const stored = source.photometricInterpretation.trim();
  return {
    photometricInterpretation: encapsulated ? decodedPhotometric(stored, source.samplesPerPixel, source.transferSyntaxUid) : stored,
    planarConfiguration: source.planarConfiguration,
    bitsAllocated: source.bitsAllocated,
  };
}
