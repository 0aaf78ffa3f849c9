import { describe, expect, it } from 'vitest';
import { splitByPatient, type Split, type SplitStudy } from './split.ts';

/** A cohort of 300 patients with 1-3 studies each; `rare` positive in 1 of 20 patients. */
function cohort(): SplitStudy[] {
  const out: SplitStudy[] = [];
  let state = 12345;
  const rand = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let p = 0; p < 300; p++) {
    const rare = p % 20 === 0 ? 1 : 0;
    const n = 1 + Math.floor(rand() * 3);
    for (let s = 0; s < n; s++) {
      out.push({ studyId: `s${p}-${s}`, patientKey: `MG${p}`, labels: { common: rand() < 0.4 ? 1 : 0, rare: rare as 0 | 1 } });
    }
  }
  return out;
}

function bySplit(studies: SplitStudy[], split: Map<string, Split>) {
  const out: Record<Split, SplitStudy[]> = { train: [], val: [], test: [] };
  for (const s of studies) out[split.get(s.studyId)!].push(s);
  return out;
}

const positives = (list: SplitStudy[], name: string) => list.filter((s) => s.labels[name] === 1).length;

describe('splitByPatient', () => {
  const studies = cohort();
  const split = splitByPatient(studies, { val: 0.15, test: 0.2 }, 7);

  it('assigns every study, and no patient to two splits', () => {
    expect(split.size).toBe(studies.length);
    const where = new Map<string, Set<Split>>();
    for (const s of studies) (where.get(s.patientKey) ?? where.set(s.patientKey, new Set()).get(s.patientKey)!).add(split.get(s.studyId)!);
    expect([...where.values()].every((set) => set.size === 1)).toBe(true);
  });

  it('gives each split its share of studies and of every finding, rare ones included', () => {
    const parts = bySplit(studies, split);
    const n = studies.length;
    expect(Math.abs(parts.test.length - 0.2 * n)).toBeLessThanOrEqual(4);
    expect(Math.abs(parts.val.length - 0.15 * n)).toBeLessThanOrEqual(4);
    for (const name of ['common', 'rare']) {
      const total = positives(studies, name);
      expect(Math.abs(positives(parts.test, name) - 0.2 * total)).toBeLessThanOrEqual(3);
      expect(Math.abs(positives(parts.val, name) - 0.15 * total)).toBeLessThanOrEqual(3);
    }
    expect(positives(parts.val, 'rare')).toBeGreaterThan(0);
    expect(positives(parts.test, 'rare')).toBeGreaterThan(0);
  });

  it('is deterministic per seed and independent of input order, and another seed gives another split', () => {
    const again = splitByPatient([...studies].reverse(), { val: 0.15, test: 0.2 }, 7);
    expect([...again].sort()).toEqual([...split].sort());
    const other = splitByPatient(studies, { val: 0.15, test: 0.2 }, 8);
    expect(studies.some((s) => other.get(s.studyId) !== split.get(s.studyId))).toBe(true);
  });

  it('never fills a split whose share is zero', () => {
    const noVal = splitByPatient(studies, { val: 0, test: 0.25 }, 1);
    expect([...noVal.values()].filter((s) => s === 'val')).toHaveLength(0);
    expect([...noVal.values()].filter((s) => s === 'test').length).toBeGreaterThan(0);
  });

  it('keeps a patient with many studies whole', () => {
    const big: SplitStudy[] = Array.from({ length: 10 }, (_, i) => ({ studyId: `b${i}`, patientKey: 'P', labels: { x: 1 } }));
    const single: SplitStudy[] = Array.from({ length: 10 }, (_, i) => ({ studyId: `o${i}`, patientKey: `Q${i}`, labels: { x: 0 } }));
    const r = splitByPatient([...big, ...single], { val: 0.2, test: 0.2 }, 3);
    expect(new Set(big.map((s) => r.get(s.studyId))).size).toBe(1);
  });
});
