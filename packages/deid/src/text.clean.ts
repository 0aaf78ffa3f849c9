// "C" for free text (Clean Descriptors, Clean Structured Content, patient characteristics such as
// Allergies): identifying content is replaced by REMOVED: every name, identifier, date and phone
// number found elsewhere in the file, and any token with 4 or more digits (identifiers, dates,
// phone fragments), while words and short codes ("T1", "3D", "C2") stay. This is redaction, not
// NLP: a name that appears nowhere else in the header is not caught (README, "not covered").
import type { ExpectedTokens } from './expected.tokens.ts';
import type { PhiNeedles } from './phi.needles.ts';

const MASK = 'REMOVED';
const DIGITS_4 = /(\d\D*){4}/u;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text with every needle replaced by REMOVED; unchanged text is returned as is. */
export function cleanText(text: string, n: PhiNeedles, isExpected: ExpectedTokens): string {
  const isGenerated = isExpected.generated ?? (() => false);
  let out = text;
  for (const phrase of n.phrases) {
    if (out.toUpperCase().includes(phrase)) out = out.replace(new RegExp(escape(phrase), 'gi'), MASK);
  }
  out = out.replace(/[\p{L}\p{N}]+/gu, (t) => {
    const upper = t.toUpperCase();
    const identifying = n.strictTokens.has(upper) || (n.patientTokens.has(upper) && !isGenerated(upper)) || (n.looseTokens.has(upper) && !isExpected(upper)) || DIGITS_4.test(t);
    return identifying ? MASK : t;
  });
  if (n.digits.size === 0) return out;
  return out.replace(/\+?[\d][\d\s().-]{5,}\d/g, (run) => {
    const digits = run.replace(/\D/g, '');
    return [...n.digits].some((d) => digits.includes(d)) ? MASK : run;
  });
}
