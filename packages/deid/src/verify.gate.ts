// The verification gate (always on): the written bytes are parsed again, independently of the
// edited tree, and every text-bearing element is searched for the PHI collected from the input.
import type { DicomFile, ParseOptions } from '@medgrade/dicom';
import { formatTag, parseDicom } from '@medgrade/dicom';
import { DeidError } from './deid.error.ts';
import type { PhiNeedles } from './phi.needles.ts';
import { scanForPhi } from './phi.scan.ts';

function describePath(path: { sequence: readonly { tag: number; item: number }[]; tag: number }): string {
  return [...path.sequence.map((s) => `${formatTag(s.tag)}[${s.item}]`), formatTag(path.tag)].join('.');
}

/** Parses `output` and throws VERIFICATION_FAILED naming the first element that still carries PHI. */
export function verifyOutput(output: Uint8Array, needles: PhiNeedles, isExpected: (token: string) => boolean, parseOptions: ParseOptions = {}): DicomFile {
  let reparsed: DicomFile;
  try {
    reparsed = parseDicom(output, parseOptions);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unknown';
    throw new DeidError('VERIFICATION_FAILED', `the de-identified output does not parse again (${code})`);
  }
  const hit = scanForPhi(reparsed.dataset, needles, isExpected) ?? scanForPhi(reparsed.meta, needles, isExpected);
  if (hit !== undefined) {
    const where = describePath(hit.path);
    throw new DeidError('VERIFICATION_FAILED', `PHI (${hit.kind}) from the input found in the output at ${where}`, where);
  }
  return reparsed;
}
