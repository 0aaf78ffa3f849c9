// The verification gate's search: every text-bearing element of the re-parsed output (inside
// sequences too, and any private element that survived) is decoded in its character set and
// matched against the needles collected from the input; values the profile kept as they are
// (C or K) must still follow their attribute's grammar.
import type { DicomDataset, DicomElement, ElementPath, Vr } from '@medgrade/dicom';
import type { ExpectedTokens } from './expected.tokens.ts';
import type { PhiNeedles } from './phi.needles.ts';
import { containsAny, tokens } from './phi.needles.ts';
import { hasGrammar, isWellFormed } from './well-formed.ts';

const TEXT_VRS = new Set<Vr>(['PN', 'LO', 'SH', 'LT', 'ST', 'UT', 'UC', 'UR', 'AE', 'CS']);
const DATE_VRS = new Set<Vr>(['DA', 'DT']);
const PIXEL_DATA = 0x7fe00010;

/** A needle found in the output: where (never what) and which kind of PHI. */
export interface PhiHit {
  path: ElementPath;
  kind: 'phrase' | 'identifier' | 'patient' | 'token' | 'phone' | 'uid' | 'malformed';
}

/** The kind of the first needle in a text value, or undefined when clean (the gate, for free text too). */
export function matchText(text: string, n: PhiNeedles, isExpected: ExpectedTokens): PhiHit['kind'] | undefined {
  const upper = text.toUpperCase();
  const isGenerated = isExpected.generated ?? (() => false);
  for (const phrase of n.phrases) if (upper.includes(phrase)) return 'phrase';
  const mayHoldToken = containsAny(upper, n.strictTokens) || containsAny(upper, n.patientTokens) || containsAny(upper, n.looseTokens);
  for (const t of mayHoldToken ? tokens(upper) : []) {
    if (n.strictTokens.has(t)) return 'identifier';
    // Only a value this run wrote excuses a token of the patient's own names or identifiers.
    if (n.patientTokens.has(t) && !isGenerated(t)) return 'patient';
    if (n.looseTokens.has(t) && !isExpected(t)) return 'token';
  }
  if (n.digits.size > 0) {
    const digits = text.replace(/\D/g, '');
    for (const d of n.digits) if (digits.includes(d)) return 'phone';
  }
  return undefined;
}

function matchElement(e: DicomElement, ds: DicomDataset, n: PhiNeedles, isExpected: ExpectedTokens): PhiHit['kind'] | undefined {
  if (e.vr === 'SQ' || e.tag === PIXEL_DATA) return undefined;
  const isPrivate = ((e.tag >>> 16) & 1) === 1;
  if (e.vr === 'UI' && !isPrivate) return matchUids(ds.elementString(e), n, isExpected);
  if (DATE_VRS.has(e.vr)) {
    // A kept or shifted date may equal the birth date (a newborn's study): expected, not a leak.
    const value = ds.elementString(e);
    for (const phrase of n.phrases) if (value.includes(phrase) && !isExpected(value.trim())) return 'phrase';
    return undefined;
  }
  if (!isPrivate && !TEXT_VRS.has(e.vr)) return undefined;
  const kind = matchText(ds.elementString(e), n, isExpected);
  return kind ?? (e.vr === 'UI' ? matchUids(ds.elementString(e), n, isExpected) : undefined);
}

/** Original instance UIDs; a UID also kept verbatim in an attribute outside the table is expected. */
function matchUids(value: string, n: PhiNeedles, isExpected: (t: string) => boolean): PhiHit['kind'] | undefined {
  for (const raw of value.split('\\')) {
    const uid = raw.trim();
    if (n.uids.has(uid) && !isExpected(uid)) return 'uid';
  }
  return undefined;
}

/**
 * First element of `root` (depth first) that carries a needle, or a value of a `kept` tag (C or
 * K: kept as it was) that does not follow its attribute's grammar; undefined when clean.
 */
export function scanForPhi(root: DicomDataset, needles: PhiNeedles, isExpected: ExpectedTokens, kept: ReadonlySet<number> = new Set()): PhiHit | undefined {
  let hit: PhiHit | undefined;
  root.forEachElement((element, dataset) => {
    const malformed = kept.has(element.tag) && element.items === undefined && hasGrammar(element.tag, element.vr) && !isWellFormed(element.tag, element.vr, dataset.elementString(element));
    const kind = malformed ? 'malformed' : matchElement(element, dataset, needles, isExpected);
    if (kind === undefined) return false;
    hit = { path: dataset.pathOf(element), kind };
    return true;
  });
  return hit;
}
