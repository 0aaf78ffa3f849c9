import type { DicomDataset } from './dataset.ts';

/** A parsed Part 10 file: meta group, data set tree and the (inflated) bytes they point into. */
export interface DicomFile {
  /** Transfer Syntax UID the data set is encoded in (implicit LE for files without a meta group). */
  transferSyntaxUid: string;
  /** False when the input had no preamble/meta group (a raw data set); the writer adds them. */
  part10: boolean;
  /** File meta group (0002,xxxx), always explicit VR little endian; rebuilt by the writer. */
  meta: DicomDataset;
  /** The data set (group 0002 excluded). */
  dataset: DicomDataset;
  /** Bytes every element position indexes; for deflated files, the input with its data set inflated. */
  source: Uint8Array;
  /** Non-fatal oddities found while parsing (no values, only tags and positions). */
  warnings: string[];
}

/** Limits that keep hostile input from exhausting the process. */
export interface ParseOptions {
  /** Deepest sequence nesting accepted (default 64); deeper input throws TOO_DEEP. */
  maxDepth?: number;
  /** Largest inflated size of a deflated data set (default 256 MiB); larger throws TOO_LARGE. */
  maxInflatedBytes?: number;
}

export interface WriteOptions {
  /** 128-byte preamble to write; default all zeros (the input's preamble may hide data, so it is not kept). */
  preamble?: Uint8Array;
  /**
   * `writeDicom` writes into this buffer when the file fits, and returns a view of it (valid until
   * the caller reuses the buffer); otherwise it allocates. Saves a fresh buffer per file in a loop.
   */
  into?: Uint8Array;
}
