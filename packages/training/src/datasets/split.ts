// Patient-disjoint, finding-stratified train/val/test split (iterative stratification, Sechidis
// et al. 2011, applied to patients instead of single examples): the rarest finding is placed
// first, each patient (with all of their studies) going to the split that still lacks the most
// of it, so rare findings reach every split. Patients are visited in an order fixed by the seed
// (SHA-256 of seed and patient key), so the split depends only on the labelled studies and the seed.
import { createHash } from 'node:crypto';

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** One labelled study as the split sees it. */
export interface SplitStudy {
  studyId: string;
  /** Surrogate patient id; a study without one is its own patient. */
  patientKey: string;
  labels: Record<string, 0 | 1>;
}

export interface SplitFractions {
  val: number;
  test: number;
}

interface Patient {
  key: string;
  order: string;
  studies: SplitStudy[];
  positives: Map<string, number>;
}

function patients(studies: readonly SplitStudy[], seed: number): Patient[] {
  const byKey = new Map<string, Patient>();
  for (const s of studies) {
    let p = byKey.get(s.patientKey);
    if (!p) {
      p = { key: s.patientKey, order: createHash('sha256').update(`${seed}\u0000${s.patientKey}`).digest('hex'), studies: [], positives: new Map() };
      byKey.set(s.patientKey, p);
    }
    p.studies.push(s);
    for (const [name, v] of Object.entries(s.labels)) if (v === 1) p.positives.set(name, (p.positives.get(name) ?? 0) + 1);
  }
  return [...byKey.values()].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
}

type Demand = Record<Split, { share: number; studies: number; findings: Map<string, number> }>;

function demand(list: Patient[], fractions: SplitFractions): Demand {
  const share: Record<Split, number> = { train: 1 - fractions.val - fractions.test, val: fractions.val, test: fractions.test };
  const totals = new Map<string, number>();
  let studies = 0;
  for (const p of list) {
    studies += p.studies.length;
    for (const [name, n] of p.positives) totals.set(name, (totals.get(name) ?? 0) + n);
  }
  const out = {} as Demand;
  for (const split of SPLITS) {
    out[split] = { share: share[split], studies: studies * share[split], findings: new Map([...totals].map(([name, n]) => [name, n * share[split]])) };
  }
  return out;
}

/**
 * The split with the largest remaining demand for `finding` (then for studies); ties go to the
 * smaller splits first so they are not starved. A split with no share never receives a patient.
 */
function pick(d: Demand, finding: string | undefined): Split {
  let best: Split = 'train';
  let bestKey: [number, number] | undefined;
  for (const split of ['test', 'val', 'train'] as const) {
    if (d[split].share <= 0) continue;
    const key: [number, number] = [finding === undefined ? d[split].studies : (d[split].findings.get(finding) ?? 0), d[split].studies];
    if (!bestKey || key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) {
      best = split;
      bestKey = key;
    }
  }
  return best;
}

function assign(p: Patient, split: Split, d: Demand, out: Map<string, Split>): void {
  for (const s of p.studies) out.set(s.studyId, split);
  d[split].studies -= p.studies.length;
  for (const [name, n] of p.positives) d[split].findings.set(name, (d[split].findings.get(name) ?? 0) - n);
}

/** studyId → split; every study of a patient lands in the same split. */
export function splitByPatient(studies: readonly SplitStudy[], fractions: SplitFractions, seed: number): Map<string, Split> {
  let left = patients(studies, seed);
  const d = demand(left, fractions);
  const out = new Map<string, Split>();
  for (;;) {
    const remaining = new Map<string, number>();
    for (const p of left) for (const [name, n] of p.positives) remaining.set(name, (remaining.get(name) ?? 0) + n);
    if (remaining.size === 0) break;
    // Rarest finding first (ties by name, so the order never depends on insertion).
    const rarest = [...remaining].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    const holders = left.filter((p) => p.positives.has(rarest));
    for (const p of holders) assign(p, pick(d, rarest), d, out);
    left = left.filter((p) => !p.positives.has(rarest));
  }
  for (const p of left) assign(p, pick(d, undefined), d, out);
  return out;
}
