// Formatting of bench/finetune: targets printed as met / not met, the preemption timeline, and
// exact match and macro-F1 with 95% CIs overall and per subgroup for each arm.
import type { EvaluationReport, EvaluationSummary } from '../../packages/contracts/src/index.ts';
import type { FinetuneJob } from '../../packages/db/src/index.ts';

export interface JobTimeline {
  job: FinetuneJob;
  events: { type: string; data: Record<string, unknown>; at: number }[];
}

export const seconds = (ms: number): number => ms / 1000;

export function target(name: string, value: string, met: boolean, goal: string): string {
  return `${name}: ${value} (target ${goal}: ${met ? 'met' : 'NOT MET'})`;
}

function stateAt(t: JobTimeline, to: string, after = 0): number | undefined {
  return t.events.find((e) => e.at >= after && e.type === 'state' && e.data.to === to)?.at;
}

/** Preemption latencies from the state events of the victim and the urgent job. */
export function preemptionLines(victim: JobTimeline, urgent: JobTimeline): string[] {
  const urgentQueued = stateAt(urgent, 'queued') ?? 0;
  const preempted = stateAt(victim, 'preempted', urgentQueued);
  const urgentRunning = stateAt(urgent, 'running', urgentQueued);
  const urgentDone = stateAt(urgent, 'evaluating', urgentQueued);
  const resumed = preempted ? stateAt(victim, 'running', preempted) : undefined;
  if (!preempted || !urgentRunning || !resumed || !urgentDone) {
    return [`preemption: not observed (victim ${victim.job.status}, urgent ${urgent.job.status}; events ${victim.events.map((e) => e.data.to ?? e.type).join(' ')})`];
  }
  const resumeEvent = victim.events.find((e) => e.at >= resumed && e.type === 'resume');
  return [
    `preemption: urgent queued -> victim checkpointed and preempted ${seconds(preempted - urgentQueued).toFixed(2)} s -> urgent running ${seconds(urgentRunning - urgentQueued).toFixed(2)} s`,
    `preemption -> resumed: ${seconds(resumed - preempted).toFixed(1)} s, of which the urgent job held the pool ${seconds(urgentDone - urgentRunning).toFixed(1)} s; pool freed -> victim running ${seconds(resumed - urgentDone).toFixed(2)} s`,
    `victim: ${victim.job.status}, ${victim.job.attemptCount} attempts, ${victim.job.preemptions} preemption(s), resumed at step ${String(resumeEvent?.data.step ?? '?')}; urgent: ${urgent.job.status}`,
  ];
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}`;
const cell = (m: { value: number; ci95: [number, number] }): string => `${pct(m.value)} [${pct(m.ci95[0])}, ${pct(m.ci95[1])}]`;

/** Exact match and macro-F1 (%, 95% CI) per arm, overall and per subgroup. */
export function comparisonTable(arms: Record<string, EvaluationReport>): string {
  const names = Object.keys(arms);
  const width = 26;
  const lines = [`${'exact match / macro-F1 (%, 95% CI)'.padEnd(34)}${names.map((a) => a.padStart(width * 2)).join('')}`];
  const row = (label: string, pick: (e: EvaluationReport) => EvaluationSummary | undefined): void => {
    const cells = names.map((a) => {
      const s = pick(arms[a]!);
      return s ? `${cell(s.exactMatch).padStart(width)}${cell(s.macroF1).padStart(width)}` : '-'.padStart(width * 2);
    });
    lines.push(`${label.padEnd(34)}${cells.join('')}`);
  };
  row('overall', (e) => e.overall);
  const first = arms[names[0]!]!;
  for (const [key, groups] of Object.entries(first.subgroups)) {
    for (const [value, s] of Object.entries(groups)) row(`  ${key}=${value} (n=${s.n})`, (e) => e.subgroups[key]?.[value]);
  }
  const findings = Object.keys(first.overall.findings);
  lines.push('', `${'F1 per finding (%)'.padEnd(34)}${names.map((a) => a.padStart(width)).join('')}`);
  for (const f of findings) lines.push(`  ${f.padEnd(32)}${names.map((a) => pct(arms[a]!.overall.findings[f]?.f1 ?? 0).padStart(width)).join('')}`);
  return lines.join('\n');
}
