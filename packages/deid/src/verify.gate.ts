// The verification gate (always on): the written bytes are parsed again, independently of the
// edited tree, and every text-bearing element is searched for the PHI collected from the input.
import type { DicomFile, ParseOptions } from '@medgrade/dicom';
import { formatTag, parseDicom } from '@medgrade/dicom';
import { DeidError } from './deid.error.ts';
import type { ExpectedTokens } from './expected.tokens.ts';
import type { PhiNeedles } from './phi.needles.ts';
import { scanForPhi } from './phi.scan.ts';

function describePath(path: { sequence: readonly { tag: number; item: number }[]; tag: number }): string {
  return [...path.sequence.map((s) => `${formatTag(s.tag)}[${s.item}]`), formatTag(path.tag)].join('.');
}

/**
 * Parses `output` and throws VERIFICATION_FAILED naming the first element that still carries PHI,
 * or whose tag is in `kept` (values kept as they were: C or K) and does not follow its grammar.
 */
export function verifyOutput(output: Uint8Array, needles: PhiNeedles, isExpected: ExpectedTokens, parseOptions: ParseOptions = {}, kept: ReadonlySet<number> = new Set()): DicomFile {
  let reparsed: DicomFile;
  try {
    reparsed = parseDicom(output, parseOptions);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unknown';
    throw new DeidError('VERIFICATION_FAILED', `the de-identified output does not parse again (${code})`);
  }
  const hit = scanForPhi(reparsed.dataset, needles, isExpected, kept) ?? scanForPhi(reparsed.meta, needles, isExpected);
  if (hit !== undefined) {
    const where = describePath(hit.path);
    const what = hit.kind === 'malformed' ? 'a kept value that does not follow its attribute\'s grammar' : `PHI (${hit.kind}) from the input`;
    throw new DeidError('VERIFICATION_FAILED', `${what} found in the output at ${where}`, where);
  }
  return reparsed;
}
