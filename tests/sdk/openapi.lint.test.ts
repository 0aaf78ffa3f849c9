// Redocly (pinned in the root devDependencies) on the committed OpenAPI document, with
// redocly.yaml: no errors, and no warning that .redocly.lint-ignore.yaml does not list with its
// reason. sdk.fresh.test.ts keeps that document equal to what the gateway's routes produce.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; message: string; location: { pointer?: string }[] }[];
}

describe('OpenAPI lint', () => {
  it('reports no error and no unlisted warning on the committed document', async () => {
    const bin = path.join(ROOT, 'node_modules', '.bin', 'redocly');
    const { stdout } = await promisify(execFile)(bin, ['lint', 'packages/sdk/openapi.json', '--format', 'json'], { cwd: ROOT }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as LintReport;
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);
});
