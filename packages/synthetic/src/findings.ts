import type { Rng } from './prng.ts';

/** Lung zones, in the order the report names them (right lung first, top to bottom). */
export const ZONES = ['right upper', 'right middle', 'right lower', 'left upper', 'left middle', 'left lower'] as const;
export type Zone = (typeof ZONES)[number];
export type Side = 'left' | 'right';
export type Effusion = 'none' | Side | 'bilateral';

/** Task families: `findings` is pretraining; `pneumothorax` is held out for the fine-tuning experiment. */
export const TASKS = ['findings', 'pneumothorax'] as const;
export type Task = (typeof TASKS)[number];

/** Ground truth of one study. */
export interface Findings {
  cardiomegaly: boolean;
  /** 0–2 opacities, each in a distinct zone, in ZONES order. */
  opacities: Zone[];
  effusion: Effusion;
  /** Only sampled (and reported) for the `pneumothorax` task. */
  pneumothorax?: 'none' | Side;
}

/** Multi-label head outputs, in order; the bundle manifest's `labels`. */
export function labelNames(task: Task): string[] {
  const base = ['cardiomegaly', ...ZONES.map((z) => `opacity_${z.replace(' ', '_')}`), 'effusion_right', 'effusion_left'];
  return task === 'pneumothorax' ? [...base, 'pneumothorax_right', 'pneumothorax_left'] : base;
}

/** 0/1 vector aligned with labelNames(task). */
export function labelVector(f: Findings, task: Task): number[] {
  const v = [f.cardiomegaly ? 1 : 0, ...ZONES.map((z) => (f.opacities.includes(z) ? 1 : 0))];
  v.push(f.effusion === 'right' || f.effusion === 'bilateral' ? 1 : 0);
  v.push(f.effusion === 'left' || f.effusion === 'bilateral' ? 1 : 0);
  if (task === 'pneumothorax') v.push(f.pneumothorax === 'right' ? 1 : 0, f.pneumothorax === 'left' ? 1 : 0);
  return v;
}

/** Samples findings; older patients get cardiomegaly and effusions more often, as in real cohorts. */
export function sampleFindings(rng: Rng, task: Task, age: number): Findings {
  const old = age >= 65 ? 1 : 0;
  const count = rng.weighted([0, 1, 2], [0.4, 0.35, 0.25]);
  const zones = new Set<Zone>();
  while (zones.size < count) zones.add(rng.pick(ZONES));
  const f: Findings = {
    cardiomegaly: rng.chance(0.3 + 0.15 * old),
    opacities: ZONES.filter((z) => zones.has(z)),
    effusion: rng.weighted<Effusion>(['none', 'right', 'left', 'bilateral'], [0.55 - 0.1 * old, 0.15, 0.15, 0.15 + 0.1 * old]),
  };
  if (task === 'pneumothorax') f.pneumothorax = rng.weighted(['none', 'right', 'left'] as const, [0.4, 0.3, 0.3]);
  return f;
}

function opacitySentence(zones: Zone[]): string {
  const [a, b] = zones;
  if (a === undefined) return 'the lungs are clear.';
  if (b === undefined) return `opacity in the ${a} zone.`;
  return `opacities in the ${a} and ${b} zones.`;
}

const EFFUSION_SENTENCE: Record<Effusion, string> = {
  none: 'no pleural effusion.',
  right: 'right pleural effusion.',
  left: 'left pleural effusion.',
  bilateral: 'bilateral pleural effusions.',
};

/** The findings section of the report: a fixed template, so exact match is a fair metric. */
export function reportSentence(f: Findings): string {
  const parts = [
    f.cardiomegaly ? 'the heart is enlarged.' : 'the heart is normal in size.',
    opacitySentence(f.opacities),
    EFFUSION_SENTENCE[f.effusion],
  ];
  if (f.pneumothorax !== undefined) parts.push(f.pneumothorax === 'none' ? 'no pneumothorax.' : `${f.pneumothorax} pneumothorax.`);
  return parts.join(' ');
}

/**
 * The findings a label set describes, when it is exactly one task's vocabulary and the report
 * template can say it (at most two opacity zones, one pneumothorax side); undefined otherwise.
 * The inverse of labelVector: reportSentence(findingsFromLabels(labels)) is the canonical report.
 */
export function findingsFromLabels(labels: Readonly<Record<string, number>>): Findings | undefined {
  const names = Object.keys(labels).sort().join(',');
  const task = TASKS.find((t) => [...labelNames(t)].sort().join(',') === names);
  if (task === undefined) return undefined;
  const opacities = ZONES.filter((z) => labels[`opacity_${z.replace(' ', '_')}`] === 1);
  if (opacities.length > 2) return undefined;
  const [right, left] = [labels.effusion_right === 1, labels.effusion_left === 1];
  const f: Findings = { cardiomegaly: labels.cardiomegaly === 1, opacities, effusion: right && left ? 'bilateral' : right ? 'right' : left ? 'left' : 'none' };
  if (task === 'pneumothorax') {
    const [pr, pl] = [labels.pneumothorax_right === 1, labels.pneumothorax_left === 1];
    if (pr && pl) return undefined;
    f.pneumothorax = pr ? 'right' : pl ? 'left' : 'none';
  }
  return f;
}
