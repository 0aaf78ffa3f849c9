import type { DicomDataset } from './dataset.ts';

/** Value representations of PS3.5 Table 6.2-1. */
export const VRS = [
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV',
  'OW', 'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
] as const;
export type Vr = (typeof VRS)[number];

/** One fragment of encapsulated pixel data: `offset`/`length` locate its bytes in `DicomFile.source`. */
export interface DicomFragment {
  offset: number;
  length: number;
}

/**
 * One data element. Positions index `DicomFile.source` (the inflated buffer for deflated files);
 * elements added by an edit have `offset === -1`. A changed element carries its new encoded bytes
 * in `value` (file byte order, even length); untouched ones are copied verbatim by the writer.
 */
export interface DicomElement {
  readonly tag: number;
  vr: Vr;
  /** Start of the element header, or -1 when the element was added by an edit. */
  offset: number;
  /** Start of the value bytes, or -1 when added. */
  valueOffset: number;
  /** Value length in bytes; for undefined-length elements the bytes up to the closing delimiter. */
  length: number;
  /** End of the element in the source, delimiters included. */
  end: number;
  undefinedLength: boolean;
  /** Sequence items (SQ only). */
  items?: DicomDataset[];
  /** Encapsulated pixel data fragments, Basic Offset Table item excluded. */
  fragments?: DicomFragment[];
  /** Basic Offset Table entries of encapsulated pixel data (empty when the table is empty). */
  basicOffsetTable?: number[];
  /** New value bytes set by an edit (file byte order, padded to even length). */
  value?: Uint8Array;
  /** True when this element (its value, or anything inside its items) changed since parsing. */
  dirty?: boolean;
}

/** A value accepted by `DicomDataset.set`: text, multi-valued text, numbers, raw bytes or sequence items. */
export type DicomValue = string | string[] | number | number[] | bigint | bigint[] | Uint8Array;

/** An element description for `createDicom` and `DicomDataset.setItems`; `value` of an SQ is its items. */
export interface ElementSpec {
  tag: number;
  /** Defaults to the dictionary VR (UN for unknown private tags). */
  vr?: Vr;
  value: DicomValue | ElementSpec[][];
}

/** Where an element sits: the chain of (sequence tag, item index) from the top level, then its tag. */
export interface ElementPath {
  readonly sequence: readonly { tag: number; item: number }[];
  readonly tag: number;
}

/** Transfer syntaxes whose data set encoding we read and write (pixel encodings are opaque to us). */
export const TransferSyntax = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
} as const;
