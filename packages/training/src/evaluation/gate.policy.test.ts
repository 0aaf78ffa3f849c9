import { DEFAULT_GATE_POLICY, type EvaluationReport, type EvaluationSummary } from '@medgrade/contracts';
import { describe, expect, it } from 'vitest';

import { applyGate, resolveGatePolicy } from './gate.policy.ts';

function summary(n: number, em: [number, number, number], f1: [number, number, number], findings: Record<string, [number, number]> = {}): EvaluationSummary {
  return {
    n,
    exactMatch: { value: em[0], ci95: [em[1], em[2]] },
    macroF1: { value: f1[0], ci95: [f1[1], f1[2]] },
    findings: Object.fromEntries(Object.entries(findings).map(([k, [v, support]]) => [k, { precision: v, recall: v, f1: v, support, f1Ci95: [v, v] }])),
  };
}

function report(overall: EvaluationSummary, subgroups: Record<string, Record<string, EvaluationSummary>> = {}, seed = 7): EvaluationReport {
  return { overall, subgroups: { sex: {}, ageBand: {}, site: {}, ...subgroups }, bootstrap: { resamples: 200, seed, interval: 'percentile 95%' } };
}

const findings = { cardiomegaly: [0.9, 40], pneumothorax_left: [0, 12] } as Record<string, [number, number]>;
const base = report(summary(100, [0.5, 0.4, 0.6], [0.6, 0.5, 0.7], findings));
const check = (r: ReturnType<typeof applyGate>, name: string) => r.checks.find((c) => c.name === name);

describe('applyGate', () => {
  it('passes a candidate whose lower 95% bounds reach the base point estimates', () => {
    const cand = report(summary(100, [0.7, 0.6, 0.8], [0.75, 0.6, 0.85], { cardiomegaly: [0.88, 40], pneumothorax_left: [0.5, 12] }));
    const r = applyGate(cand, base, DEFAULT_GATE_POLICY);
    expect(r.passed).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(['exactMatch', 'macroF1', 'findingF1.cardiomegaly', 'findingF1.pneumothorax_left', 'subgroupGap.sex', 'subgroupGap.ageBand', 'subgroupGap.site']);
  });

  it('fails a better point estimate whose interval still reaches below the base (not beyond noise)', () => {
    const cand = report(summary(100, [0.55, 0.45, 0.65], [0.75, 0.6, 0.85], findings));
    const r = applyGate(cand, base, DEFAULT_GATE_POLICY);
    expect(r.passed).toBe(false);
    expect(check(r, 'exactMatch')).toMatchObject({ passed: false, detail: expect.stringContaining('lower bound 0.4500') });
    expect(check(r, 'macroF1')?.passed).toBe(true);
  });

  it('counts a bound equal to the base estimate as a pass (rounded report values)', () => {
    const cand = report(summary(100, [0.6, 0.5, 0.7], [0.7, 0.6, 0.8], findings));
    expect(applyGate(cand, base, DEFAULT_GATE_POLICY).passed).toBe(true);
  });

  it('fails a finding that loses more F1 than the margin, and one the candidate lost', () => {
    const cand = report(summary(100, [0.7, 0.6, 0.8], [0.75, 0.6, 0.85], { cardiomegaly: [0.84, 40] }));
    const r = applyGate(cand, base, DEFAULT_GATE_POLICY);
    expect(check(r, 'findingF1.cardiomegaly')?.passed).toBe(false);
    expect(check(r, 'findingF1.pneumothorax_left')).toMatchObject({ passed: false, detail: expect.stringContaining('no longer reports') });
    const relaxed = applyGate(cand, base, { ...DEFAULT_GATE_POLICY, maxFindingF1Drop: 0.1 });
    expect(check(relaxed, 'findingF1.cardiomegaly')?.passed).toBe(true);
  });

  it('skips findings without positives in the test split', () => {
    const b = report(summary(100, [0.5, 0.4, 0.6], [0.6, 0.5, 0.7], { cardiomegaly: [0.9, 0] }));
    const cand = report(summary(100, [0.7, 0.6, 0.8], [0.75, 0.6, 0.85], { cardiomegaly: [0, 0] }));
    expect(applyGate(cand, b, DEFAULT_GATE_POLICY).checks.some((c) => c.name === 'findingF1.cardiomegaly')).toBe(false);
  });

  it('fails a subgroup gap that widened beyond the margin and beyond noise, over groups with n >= minSubgroupN only', () => {
    const g = (n: number, em: number, half = 0.05) => summary(n, [em, em - half, em + half], [0.7, 0.6, 0.8]);
    const baseSex = report(base.overall, { sex: { F: g(50, 0.5), M: g(50, 0.52) }, site: { a: g(90, 0.5), b: g(10, 0.1) } });
    const wide = report(summary(100, [0.7, 0.6, 0.8], [0.75, 0.6, 0.85], findings), { sex: { F: g(50, 0.6), M: g(50, 0.8) }, site: { a: g(90, 0.7), b: g(10, 0.0) } });
    const r = applyGate(wide, baseSex, DEFAULT_GATE_POLICY);
    expect(check(r, 'subgroupGap.sex')).toMatchObject({ passed: false, detail: expect.stringContaining('gap 0.2000 vs base 0.0200 + 0.0500: widened beyond noise') });
    expect(check(r, 'subgroupGap.site')).toMatchObject({ passed: true, detail: expect.stringContaining('not checked') });
    expect(check(applyGate(wide, baseSex, { ...DEFAULT_GATE_POLICY, minSubgroupN: 5 }), 'subgroupGap.site')?.passed).toBe(false);
    expect(check(applyGate(wide, baseSex, { ...DEFAULT_GATE_POLICY, maxSubgroupGapWidening: 0.2 }), 'subgroupGap.sex')?.passed).toBe(true);
  });

  it('passes a widened subgroup gap whose best and worst groups have overlapping 95% CIs (within noise)', () => {
    const g = (em: number, half: number) => summary(60, [em, em - half, em + half], [0.7, 0.6, 0.8]);
    const b = report(base.overall, { site: { a: g(0, 0), b: g(0, 0) } });
    const noisy = report(summary(100, [0.7, 0.6, 0.8], [0.75, 0.6, 0.85], findings), { site: { a: g(0.42, 0.09), b: g(0.29, 0.09) } });
    expect(check(applyGate(noisy, b, DEFAULT_GATE_POLICY), 'subgroupGap.site')).toMatchObject({ passed: true, detail: expect.stringContaining('within noise') });
  });

  it('refuses evaluations of different splits or bootstrap seeds', () => {
    expect(() => applyGate(report(summary(99, [0.7, 0.6, 0.8], [0.7, 0.6, 0.8])), base, DEFAULT_GATE_POLICY)).toThrow(/same test split/);
    expect(() => applyGate(report(base.overall, {}, 8), base, DEFAULT_GATE_POLICY)).toThrow(/same bootstrap seed/);
  });
});

describe('resolveGatePolicy', () => {
  it('applies a job override over the defaults', () => {
    expect(resolveGatePolicy(undefined)).toEqual(DEFAULT_GATE_POLICY);
    expect(resolveGatePolicy({ macroF1Margin: 0.1 })).toEqual({ ...DEFAULT_GATE_POLICY, macroF1Margin: 0.1 });
  });

  it('refuses unknown keys and out-of-range thresholds', () => {
    expect(() => resolveGatePolicy({ macroF1margin: 0.1 })).toThrow(/macroF1margin|maxFindingF1Drop|Unrecognized|expected/i);
    expect(() => resolveGatePolicy({ maxFindingF1Drop: 2 })).toThrow(/macroF1margin|maxFindingF1Drop|Unrecognized|expected/i);
  });
});
