import type { Vr } from './dicom.types.ts';
import { DICTIONARY_ENTRIES } from './dictionary.generated.ts';
import { elementOf, isPrivateCreator, isPrivateTag } from './tags.ts';

/** A data dictionary entry (PS3.6). */
export interface DictionaryEntry {
  tag: number;
  vr: Vr;
  keyword: string;
  retired: boolean;
}

interface Repeating {
  mask: number;
  value: number;
  entry: DictionaryEntry;
}

let exact: Map<number, DictionaryEntry> | undefined;
let byKeyword: Map<string, DictionaryEntry> | undefined;
let repeating: Repeating[] = [];

// Built on first use: about 5,000 entries parse in a couple of milliseconds.
function load(): Map<number, DictionaryEntry> {
  if (exact !== undefined) return exact;
  exact = new Map();
  byKeyword = new Map();
  repeating = [];
  for (const line of DICTIONARY_ENTRIES) {
    const hex = line.slice(0, 8);
    const entry: DictionaryEntry = {
      tag: Number.parseInt(hex.replace(/X/g, '0'), 16) >>> 0,
      vr: line.slice(8, 10) as Vr,
      retired: line[10] === 'R',
      keyword: line.slice(11),
    };
    byKeyword.set(entry.keyword, entry);
    if (!hex.includes('X')) {
      exact.set(entry.tag, entry);
      continue;
    }
    const mask = Number.parseInt(hex.replace(/[0-9A-F]/g, 'F').replace(/X/g, '0'), 16) >>> 0;
    repeating.push({ mask, value: entry.tag, entry });
  }
  return exact;
}

/** Dictionary entry for a standard tag, repeating groups (60xx, 50xx, 7Fxx, …) included. */
export function lookup(t: number): DictionaryEntry | undefined {
  const found = load().get(t);
  if (found !== undefined || isPrivateTag(t)) return found;
  for (const r of repeating) if (((t & r.mask) >>> 0) === r.value) return r.entry;
  return undefined;
}

/** VR for implicit-VR reading and for values set without one: dictionary, else UL/LO/UN by PS3.5 rules. */
export function vrOf(t: number): Vr {
  if (elementOf(t) === 0) return 'UL';
  if (isPrivateCreator(t)) return 'LO';
  return lookup(t)?.vr ?? 'UN';
}

/** Keyword of a standard tag (`PatientName`), or undefined for private and unknown tags. */
export function keywordOf(t: number): string | undefined {
  return isPrivateTag(t) ? undefined : lookup(t)?.keyword;
}

/** Tag of a keyword; a repeating-group keyword gives its first group (e.g. OverlayData → 0x60003000). */
export function tagOf(keyword: string): number | undefined {
  load();
  return byKeyword?.get(keyword)?.tag;
}
