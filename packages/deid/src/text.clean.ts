// "C" for free text (Clean Descriptors, Clean Structured Content): identifying content is replaced
// by REMOVED: every name, identifier, date and phone number found elsewhere in the file. This is
// redaction of the file's own known PHI, not NLP: text naming someone who appears nowhere else
// in the header is not caught (README, "not covered").
import type { PhiNeedles } from './phi.needles.ts';

const MASK = 'REMOVED';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text with every needle replaced by REMOVED; unchanged text is returned as is. */
export function cleanText(text: string, n: PhiNeedles, isExpected: (token: string) => boolean): string {
  let out = text;
  for (const phrase of n.phrases) {
    if (out.toUpperCase().includes(phrase)) out = out.replace(new RegExp(escape(phrase), 'gi'), MASK);
  }
  out = out.replace(/[\p{L}\p{N}]+/gu, (t) => {
    const upper = t.toUpperCase();
    return n.strictTokens.has(upper) || (n.looseTokens.has(upper) && !isExpected(upper)) ? MASK : t;
  });
  if (n.digits.size === 0) return out;
  return out.replace(/\+?[\d][\d\s().-]{5,}\d/g, (run) => {
    const digits = run.replace(/\D/g, '');
    return [...n.digits].some((d) => digits.includes(d)) ? MASK : run;
  });
}
