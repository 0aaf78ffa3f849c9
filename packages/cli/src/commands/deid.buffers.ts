// The two buffers `medgrade deid` reuses from file to file (the deid benchmark measures the same
// path): a file is read, de-identified and written before the next one is read, so nothing viewing
// them outlives its file, and a fresh 130 KB buffer per file, in or out, costs more than the copy.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

const POOLED_MAX = 16 << 20; // larger files get buffers of their own
// Room for what de-identification adds (method codes, dummies) beyond the input's size.
const OUTPUT_SLACK = 64 << 10;
let pool = Buffer.allocUnsafe(1 << 20);
let outputPool = Buffer.allocUnsafe(1 << 20);

/**
 * The file's bytes in a buffer that the next call reuses: the caller must be done with them (and
 * with anything viewing them) before it reads the next file.
 */
export function readInput(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > POOLED_MAX) return readFileSync(fd);
    if (size > pool.length) pool = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, pool, read, size - read, read);
      if (n === 0) break; // the file shrank since fstat
      read += n;
    }
    return pool.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** A buffer for the output of an input of `inputBytes` (DeidContext.outputInto), reused by the next call. */
export function outputBuffer(inputBytes: number): Buffer | undefined {
  const want = inputBytes + OUTPUT_SLACK;
  if (want > POOLED_MAX) return undefined;
  if (outputPool.length < want) outputPool = Buffer.allocUnsafe(want);
  return outputPool;
}
