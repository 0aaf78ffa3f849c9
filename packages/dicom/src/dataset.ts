import type { Charset } from './charset.ts';
import { charsetFor, DEFAULT_CHARSET } from './charset.ts';
import { DicomError } from './dicom.error.ts';
import type { DicomElement, DicomValue, ElementPath, ElementSpec, Vr } from './dicom.types.ts';
import { vrOf } from './dictionary.ts';
import { formatTag, Tags } from './tags.ts';
import { decodeNumbers, decodeText, decodeTextAt, encodeValue, isTextVr, usesCharset } from './values.ts';

/** How the bytes behind a data set are encoded; shared by every data set of one file. */
export interface DicomContext {
  /** Inflated source buffer the element positions index into (empty for files built from scratch). */
  readonly source: Uint8Array;
  readonly littleEndian: boolean;
  readonly explicitVr: boolean;
}

/** Where a data set sits in its source: the whole top level, or one sequence item. */
export interface DatasetSpan {
  /** Item header start (top level: first data set byte); -1 when created by an edit. */
  offset: number;
  contentStart: number;
  contentEnd: number;
  /** End including the item delimitation item, if any. */
  end: number;
  undefinedLength: boolean;
}

/** One entry of `DicomDataset.walk()`: an element, the data set holding it and its path. */
export interface WalkEntry {
  element: DicomElement;
  dataset: DicomDataset;
  path: ElementPath;
}

const UNPLACED: DatasetSpan = { offset: -1, contentStart: -1, contentEnd: -1, end: -1, undefinedLength: false };

/**
 * A data set (the top level or one sequence item) with accessors and a light mutable layer:
 * edits record new value bytes and mark the path to the root dirty, so the writer re-encodes
 * only what changed and copies everything else verbatim.
 */
export class DicomDataset {
  readonly context: DicomContext;
  /** Elements in file order; elements added by an edit are placed in tag order. */
  readonly elements: DicomElement[];
  readonly span: DatasetSpan;
  parent: { dataset: DicomDataset; element: DicomElement } | undefined;
  /** True when this data set or anything inside it changed since parsing. */
  dirty = false;
  private index: Map<number, DicomElement> | undefined;
  /** This data set's own character set; null once looked for and absent (set/remove reset it). */
  private ownCharset: Charset | null | undefined;

  constructor(context: DicomContext, elements: DicomElement[] = [], span: DatasetSpan = { ...UNPLACED }) {
    this.context = context;
    this.elements = elements;
    this.span = span;
  }

  /** The element with this tag, if present. */
  get(t: number): DicomElement | undefined {
    if (this.index === undefined) {
      this.index = new Map();
      for (const e of this.elements) this.index.set(e.tag, e);
    }
    return this.index.get(t);
  }

  /** Whether the element is present (at this level only). */
  has(t: number): boolean {
    return this.get(t) !== undefined;
  }

  /** Value bytes in the file's byte order (edited value or a view into the source; no copy). */
  getBytes(t: number): Uint8Array | undefined {
    const e = this.get(t);
    return e === undefined ? undefined : this.valueBytes(e);
  }

  /** Value bytes of an element of this data set (empty for sequences and encapsulated pixel data). */
  valueBytes(e: DicomElement): Uint8Array {
    if (e.value !== undefined) return e.value;
    if (e.valueOffset < 0 || e.items !== undefined || e.fragments !== undefined) return new Uint8Array(0);
    return this.context.source.subarray(e.valueOffset, e.valueOffset + e.length);
  }

  /** The whole value as text: decoded with the character set in effect, padding trimmed; numbers joined by `\`. */
  getString(t: number): string | undefined {
    const e = this.get(t);
    return e === undefined ? undefined : this.elementString(e);
  }

  /** `getString` for an element already in hand (what a walk yields). */
  elementString(e: DicomElement): string {
    if (e.vr === 'SQ' || e.items !== undefined) return '';
    // A standard text element sent as UN is still text in the data set's character set.
    const vr = e.vr === 'UN' ? vrOf(e.tag) : e.vr;
    if (isTextVr(vr)) {
      const charset = usesCharset(vr) ? this.charset() : DEFAULT_CHARSET;
      if (e.value !== undefined) return decodeTextAt(e.value, 0, e.value.length, vr, charset);
      if (e.valueOffset < 0 || e.fragments !== undefined) return '';
      return decodeTextAt(this.context.source, e.valueOffset, e.valueOffset + e.length, vr, charset);
    }
    const bytes = this.valueBytes(e);
    if (e.vr === 'OB' || e.vr === 'UN' || e.vr === 'OW' || e.vr === 'OF' || e.vr === 'OD' || e.vr === 'OL' || e.vr === 'OV') {
      return decodeText(bytes, 'UN', DEFAULT_CHARSET);
    }
    return decodeNumbers(bytes, e.vr, this.context.littleEndian).join('\\');
  }

  /** Each value of a multi-valued element (text split on `\`, binary numbers one per value). */
  getStrings(t: number): string[] | undefined {
    const e = this.get(t);
    if (e === undefined) return undefined;
    if (isTextVr(e.vr) && e.vr !== 'LT' && e.vr !== 'ST' && e.vr !== 'UT' && e.vr !== 'UR') {
      const s = this.elementString(e);
      return s === '' ? [] : s.split('\\').map((v) => v.trim());
    }
    const s = this.elementString(e);
    return s === '' ? [] : [s];
  }

  /** Value `index` as a number: binary numeric VRs, or IS/DS text. */
  getNumber(t: number, index = 0): number | undefined {
    const values = this.getNumbers(t);
    return values === undefined ? undefined : values[index];
  }

  /** Every value as a number (see `getNumber`); non-numeric IS/DS values are skipped. */
  getNumbers(t: number): number[] | undefined {
    const e = this.get(t);
    if (e === undefined) return undefined;
    if (e.vr === 'IS' || e.vr === 'DS') {
      return (this.getStrings(t) ?? []).map(Number).filter((n) => Number.isFinite(n));
    }
    return decodeNumbers(this.valueBytes(e), e.vr, this.context.littleEndian).map(Number);
  }

  /** Items of a sequence element (undefined when absent or not a sequence). */
  items(t: number): DicomDataset[] | undefined {
    return this.get(t)?.items;
  }

  /** Character set in effect: this data set's own (0008,0005) or the enclosing one's. */
  charset(): Charset {
    if (this.ownCharset === undefined) this.ownCharset = this.readOwnCharset();
    return this.ownCharset ?? this.parent?.dataset.charset() ?? DEFAULT_CHARSET;
  }

  private readOwnCharset(): Charset | null {
    // A scan, not get(): the gate asks once of a freshly parsed data set, and needs no index for it.
    const own = this.index?.get(Tags.SpecificCharacterSet) ?? this.elements.find((e) => e.tag === Tags.SpecificCharacterSet);
    if (own === undefined) return null;
    const raw = decodeText(this.valueBytes(own), 'CS', DEFAULT_CHARSET);
    return charsetFor(raw.split('\\').map((v) => v.trim()));
  }

  /** Sets (or adds, in tag order) an element's value, encoded in the file's byte order and character set. */
  set(t: number, value: DicomValue, vr?: Vr): DicomElement {
    const existing = this.get(t);
    // A value sent as UN takes its dictionary VR when re-encoded (PS3.5 6.2.2 allows either).
    const useVr = vr ?? (existing !== undefined && existing.vr !== 'UN' ? existing.vr : vrOf(t));
    if (useVr === 'SQ') throw new DicomError('BAD_VALUE', `use setItems for sequence ${formatTag(t)}`, t);
    const bytes = encodeValue(value, useVr, this.context.littleEndian, this.charset(), t);
    if (t === Tags.SpecificCharacterSet) this.ownCharset = undefined;
    const e = existing ?? this.insert(t, useVr);
    e.vr = useVr;
    e.value = bytes;
    e.length = bytes.length;
    e.undefinedLength = false;
    // Guarded: `delete` of an absent property still costs a runtime call.
    if (e.items !== undefined) delete e.items;
    if (e.fragments !== undefined) delete e.fragments;
    if (e.basicOffsetTable !== undefined) delete e.basicOffsetTable;
    this.touch(e);
    return e;
  }

  /** Replaces a sequence's items (adding the sequence if absent); specs or data sets built for this file. */
  setItems(t: number, items: (ElementSpec[] | DicomDataset)[]): DicomElement {
    const e = this.get(t) ?? this.insert(t, 'SQ');
    e.vr = 'SQ';
    delete e.value;
    delete e.fragments;
    for (const item of items) {
      // Untouched items are copied as they are, so they must share this data set's source and encoding
      // (not another file's, nor the implicit VR items of a sequence that arrived as UN).
      if (item instanceof DicomDataset && item.context !== this.context) {
        throw new DicomError('BAD_VALUE', `items for ${formatTag(t)} come from another file or encoding; build them with buildItem`, t);
      }
    }
    e.items = items.map((item) => (item instanceof DicomDataset ? item : this.buildItem(item)));
    for (const item of e.items) item.parent = { dataset: this, element: e };
    this.touch(e);
    return e;
  }

  /** A new, empty item for this file (fill it with `set`/`setItems`, then pass it to `setItems`). */
  buildItem(specs: ElementSpec[] = []): DicomDataset {
    const item = new DicomDataset(this.context);
    item.parent = { dataset: this, element: { tag: 0, vr: 'SQ', offset: -1, valueOffset: -1, length: 0, end: -1, undefinedLength: false } };
    for (const spec of specs) item.apply(spec);
    return item;
  }

  /** Sets one element from a spec: items for SQ (by VR or dictionary), a value otherwise. */
  apply(spec: ElementSpec): DicomElement {
    if ((spec.vr ?? vrOf(spec.tag)) === 'SQ') {
      if (!Array.isArray(spec.value) || !spec.value.every((i) => Array.isArray(i))) {
        throw new DicomError('BAD_VALUE', `sequence ${formatTag(spec.tag)} needs a list of items`, spec.tag);
      }
      return this.setItems(spec.tag, spec.value as ElementSpec[][]);
    }
    return this.set(spec.tag, spec.value as DicomValue, spec.vr);
  }

  /** Removes an element; returns whether it was present. */
  remove(t: number): boolean {
    const i = this.elements.findIndex((e) => e.tag === t);
    if (i < 0) return false;
    this.elements.splice(i, 1);
    this.index?.delete(t);
    if (t === Tags.SpecificCharacterSet) this.ownCharset = undefined;
    this.markDirty();
    return true;
  }

  /** Every element, depth first in file order, with the data set holding it and its path. */
  *walk(prefix: readonly { tag: number; item: number }[] = []): Generator<WalkEntry> {
    for (const element of this.elements) {
      yield { element, dataset: this, path: { sequence: prefix, tag: element.tag } };
      if (element.items === undefined) continue;
      for (let i = 0; i < element.items.length; i++) {
        yield* element.items[i]!.walk([...prefix, { tag: element.tag, item: i }]);
      }
    }
  }

  /**
   * Calls `visit` for every element, depth first in file order, with the data set holding it;
   * stops when `visit` returns true and then returns true. `walk` without an object per element.
   */
  forEachElement(visit: (element: DicomElement, dataset: DicomDataset) => boolean | void): boolean {
    for (const element of this.elements) {
      if (visit(element, this) === true) return true;
      if (element.items === undefined) continue;
      for (const item of element.items) if (item.forEachElement(visit)) return true;
    }
    return false;
  }

  /** Where an element of this data set sits, from the root (what `walk` yields as `path`). */
  pathOf(element: DicomElement): ElementPath {
    return { sequence: this.itemPath(), tag: element.tag };
  }

  private itemPath(): { tag: number; item: number }[] {
    if (this.parent === undefined) return [];
    const { dataset, element } = this.parent;
    return [...dataset.itemPath(), { tag: element.tag, item: element.items?.indexOf(this) ?? -1 }];
  }

  /** Marks this data set and every enclosing item and sequence as changed. */
  markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    if (this.parent === undefined) return;
    this.parent.element.dirty = true;
    this.parent.dataset.markDirty();
  }

  private touch(e: DicomElement): void {
    e.dirty = true;
    this.markDirty();
  }

  private insert(t: number, vr: Vr): DicomElement {
    const e: DicomElement = { tag: t, vr, offset: -1, valueOffset: -1, length: 0, end: -1, undefinedLength: false };
    let i = this.elements.length;
    while (i > 0 && this.elements[i - 1]!.tag > t) i--;
    this.elements.splice(i, 0, e);
    this.index?.set(t, e);
    return e;
  }
}
