// The evaluation gate: a pure decision over the candidate's and the base model's evaluation on the
// same sealed test split, scored with the same bootstrap resamples (same seed, same n). A candidate
// passes only if every check passes:
//
// - exactMatch / macroF1: the candidate's lower 95% bound is at least the base's point estimate
//   minus a margin (0 by default), i.e. the base's observed score lies at or below the candidate's
//   whole interval: the candidate is better than the base beyond bootstrap noise, not merely "not
//   worse by chance".
// - findingF1.<finding>: every finding of the base with positives in the test split keeps its F1
//   within maxFindingF1Drop (0.05) of the base's. Both are scored on the snapshot's label set, so a
//   finding the base never reports has F1 0 there and cannot fail; it counts through macro-F1.
// - subgroupGap.<sex|ageBand|site>: among the subgroups with n ≥ minSubgroupN (30), the spread of
//   exact match (max − min) fails the gate only when it exceeds the base's spread over the same
//   subgroups by more than maxSubgroupGapWidening (0.05) AND is beyond bootstrap noise: the best
//   subgroup's lower 95% bound lies above the worst one's upper bound. Fewer than two such
//   subgroups: reported, not checked.
import { DEFAULT_GATE_POLICY, GateOverridesSchema, type EvaluationReport, type EvaluationSummary, type GateCheck, type GatePolicy, type GateResult } from '@medgrade/contracts';

/** Values in the trainer's report are rounded to 4 decimals; comparisons allow for that. */
const EPS = 1e-9;
export const SUBGROUP_KEYS = ['sex', 'ageBand', 'site'] as const;

const f = (x: number): string => x.toFixed(4);

/** The defaults with a job's overrides applied; throws a zod error on unknown keys or bad values. */
export function resolveGatePolicy(overrides: Record<string, unknown> | undefined): GatePolicy {
  return { ...DEFAULT_GATE_POLICY, ...GateOverridesSchema.parse(overrides ?? {}) };
}

function lowerBoundCheck(name: 'exactMatch' | 'macroF1', cand: EvaluationSummary, base: EvaluationSummary, margin: number): GateCheck {
  const low = cand[name].ci95[0];
  const need = base[name].value - margin;
  return { name, passed: low + EPS >= need, detail: `candidate ${f(cand[name].value)} (95% CI lower bound ${f(low)}) vs base ${f(base[name].value)} − margin ${f(margin)} = ${f(need)}` };
}

function findingChecks(cand: EvaluationSummary, base: EvaluationSummary, maxDrop: number): GateCheck[] {
  return Object.entries(base.findings)
    .filter(([, b]) => b.support > 0)
    .map(([finding, b]) => {
      const c = cand.findings[finding];
      if (!c) return { name: `findingF1.${finding}`, passed: false, detail: `the candidate no longer reports ${finding} (base F1 ${f(b.f1)})` };
      return { name: `findingF1.${finding}`, passed: c.f1 + EPS >= b.f1 - maxDrop, detail: `F1 ${f(c.f1)} vs base ${f(b.f1)} (max drop ${f(maxDrop)}, support ${c.support})` };
    });
}

const spread = (xs: number[]): number => Math.max(...xs) - Math.min(...xs);

function subgroupCheck(key: string, cand: EvaluationReport, base: EvaluationReport, policy: GatePolicy): GateCheck {
  const groups = cand.subgroups[key] ?? {};
  const sizes = Object.entries(groups).map(([g, s]) => `${g} n=${s.n}`).join(', ') || 'none';
  const checked = Object.keys(groups).filter((g) => groups[g]!.n >= policy.minSubgroupN && base.subgroups[key]?.[g]);
  const name = `subgroupGap.${key}`;
  if (checked.length < 2) return { name, passed: true, detail: `not checked: fewer than two ${key} groups with n ≥ ${policy.minSubgroupN} (${sizes})` };
  const c = checked.map((g) => groups[g]!.exactMatch);
  const b = checked.map((g) => base.subgroups[key]![g]!.exactMatch.value);
  const values = checked.map((g, i) => `${g} ${f(c[i]!.value)} [${f(c[i]!.ci95[0])}, ${f(c[i]!.ci95[1])}] (base ${f(b[i]!)})`).join(', ');
  const gap = spread(c.map((m) => m.value));
  const widened = gap > spread(b) + policy.maxSubgroupGapWidening + EPS;
  const best = c.reduce((x, y) => (y.value > x.value ? y : x));
  const worst = c.reduce((x, y) => (y.value < x.value ? y : x));
  const beyondNoise = best.ci95[0] > worst.ci95[1] + EPS;
  const verdict = widened ? (beyondNoise ? 'widened beyond noise' : 'widened within noise (95% CIs of best and worst overlap)') : 'not widened';
  return { name, passed: !(widened && beyondNoise), detail: `exact-match gap ${f(gap)} vs base ${f(spread(b))} + ${f(policy.maxSubgroupGapWidening)}: ${verdict}; ${values}` };
}

/** Applies the gate policy to two evaluations of the same test split with the same bootstrap seed. */
export function applyGate(candidate: EvaluationReport, base: EvaluationReport, policy: GatePolicy): GateResult {
  if (candidate.overall.n !== base.overall.n || candidate.bootstrap.seed !== base.bootstrap.seed) {
    throw new Error('the gate compares evaluations of the same test split with the same bootstrap seed');
  }
  const checks = [
    lowerBoundCheck('exactMatch', candidate.overall, base.overall, policy.exactMatchMargin),
    lowerBoundCheck('macroF1', candidate.overall, base.overall, policy.macroF1Margin),
    ...findingChecks(candidate.overall, base.overall, policy.maxFindingF1Drop),
    ...SUBGROUP_KEYS.map((key) => subgroupCheck(key, candidate, base, policy)),
  ];
  return { passed: checks.every((c) => c.passed), checks };
}
