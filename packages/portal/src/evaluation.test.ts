import { describe, expect, it } from 'vitest';
import committed from '../../../model-bundles/medgrade-cxr-tiny/1/evaluation.json' with { type: 'json' };
import { asReport, findingRows, reportsOf, subgroupRows } from './evaluation.ts';

// The committed reference model's evaluation.json: what the trainer writes and a bundle carries.
const reference: unknown = committed;

describe('evaluation reports', () => {
  it("reads the reference model's report: findings and subgroups", () => {
    const report = asReport(reference);
    expect(report).not.toBeNull();
    const findings = findingRows(report!.overall);
    expect(findings.map((f) => f.finding)).toContain('cardiomegaly');
    expect(findings.every((f) => f.f1 >= 0 && f.f1 <= 1 && f.f1Ci95.length === 2)).toBe(true);
    const groups = subgroupRows(report!);
    expect(new Set(groups.map((g) => g.attribute))).toEqual(new Set(Object.keys((reference as { subgroups: object }).subgroups)));
    expect(groups.every((g) => g.n > 0)).toBe(true);
  });

  it('prefers the gate candidate and base over the bundle report, and refuses shapes it cannot show', () => {
    expect(asReport({ overall: { n: 1 } })).toBeNull();
    expect(asReport('text')).toBeNull();
    expect(reportsOf({ evaluation: reference, validation: null }).map((r) => r.label)).toEqual(['Bundle evaluation']);
    expect(reportsOf({ evaluation: null, validation: null })).toEqual([]);
  });
});
