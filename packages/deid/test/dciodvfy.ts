// dciodvfy (dicom3tools) error lines, with values stripped so that input and output compare.
import { spawnSync } from 'node:child_process';

// Values differ between input and output by design (UIDs mapped, text replaced): compare the rest.
const NORMALIZE: [RegExp, string][] = [
  [/ = <[^>]*>/g, ''], // " = <value>" of VR errors
  [/(?<!Element=|Module=|attribute )<[^>]*>/g, '<>'], // other bracketed values; attribute names stay
  [/"[^"]*"/g, '""'],
  [/ - Character invalid.*$/, ''],
  [/\b\d+(\.\d+)+\b/g, 'UID'],
  [/UID \d+\b/g, 'UID UID'], // a one-component "UID" such as 0
];

/** Error lines of dciodvfy for a file, normalized with NORMALIZE. */
export function dciodvfyErrors(path: string): Set<string> {
  const run = spawnSync('dciodvfy', [path], { encoding: 'latin1' });
  const lines = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.startsWith('Error'));
  return new Set(lines.map((l) => NORMALIZE.reduce((acc, [re, to]) => acc.replace(re, to), l).trim()));
}
