// Tokens the output may legitimately contain even if they also occur in removed PHI: values of
// standard attributes kept on purpose (body part, manufacturer, codes...) and the surrogates
// and dummies this run wrote, and UIDs kept in attributes outside Table E.1-1 (class UIDs...). Computed only when a loose token is found, so clean files pay nothing.
import type { DicomDataset, DicomElement } from '@medgrade/dicom';
import { tokens } from './phi.needles.ts';

const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UR', 'UT']);

/**
 * Whether a token is expected in the output; `generated` (when given) narrows that to the values
 * this run wrote, the only excuse for a token of the patient's own names or identifiers.
 */
export type ExpectedTokens = ((token: string) => boolean) & { generated?: (token: string) => boolean };

/**
 * A memoized predicate over the processed (not yet written) data set and the generated values;
 * `pending` are elements still to be cleaned, whose text is not expected by definition.
 */
export function expectedTokens(processed: DicomDataset, generated: readonly string[], pending: ReadonlySet<DicomElement>): ExpectedTokens {
  let set: Set<string> | undefined;
  let written: Set<string> | undefined;
  const writtenTokens = (): Set<string> => (written ??= new Set(generated.flatMap((g) => tokens(g))));
  const isExpected: ExpectedTokens = (token) => {
    if (set === undefined) {
      set = new Set(writtenTokens());
      const expected = set;
      processed.forEachElement((element, dataset) => {
        // Kept standard values, and creators of kept private blocks (vendor names, not PHI).
        const isPrivate = ((element.tag >>> 16) & 1) === 1;
        const isCreator = isPrivate && (element.tag & 0xffff) >= 0x10 && (element.tag & 0xffff) <= 0xff;
        if (element.value !== undefined || pending.has(element) || (isPrivate && !isCreator)) return;
        if (element.vr === 'UI') for (const uid of dataset.elementString(element).split('\\')) expected.add(uid.trim());
        else if (TEXT_VRS.has(element.vr)) for (const t of tokens(dataset.elementString(element))) expected.add(t);
      });
    }
    return set.has(token);
  };
  isExpected.generated = (token) => writtenTokens().has(token);
  return isExpected;
}
