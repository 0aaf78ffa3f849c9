// Reading a model version's evaluation for display: the bundle's evaluation.json and, for a
// version registered by a fine-tuning job, the gate's candidate and base reports. The field is
// `unknown` in the API (a bundle may carry anything), so each report is checked before use.
import type { ModelVersionDetail } from '@medgrade/sdk';

interface Metric {
  value: number;
  ci95: [number, number];
}

export interface FindingMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
  f1Ci95: [number, number];
}

export interface EvaluationSummary {
  n: number;
  exactMatch: Metric;
  macroF1: Metric;
  findings: Record<string, FindingMetrics>;
}

export interface EvaluationReport {
  overall: EvaluationSummary;
  subgroups: Record<string, Record<string, EvaluationSummary>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMetric = (v: unknown): v is Metric => isObject(v) && typeof v['value'] === 'number';

function isSummary(v: unknown): v is EvaluationSummary {
  return isObject(v) && typeof v['n'] === 'number' && isMetric(v['exactMatch']) && isMetric(v['macroF1']) && isObject(v['findings']);
}

/** The report if it has the trainer's shape (overall + subgroups), else null. */
export function asReport(v: unknown): EvaluationReport | null {
  if (!isObject(v) || !isSummary(v['overall'])) return null;
  const subgroups: EvaluationReport['subgroups'] = {};
  if (isObject(v['subgroups'])) {
    for (const [key, groups] of Object.entries(v['subgroups'])) {
      if (!isObject(groups)) continue;
      subgroups[key] = Object.fromEntries(Object.entries(groups).filter(([, s]) => isSummary(s))) as Record<string, EvaluationSummary>;
    }
  }
  return { overall: v['overall'], subgroups };
}

export interface LabelledReport {
  label: string;
  report: EvaluationReport;
}

/** Every report a version has: the gate's candidate and base when it was validated, else the bundle's. */
export function reportsOf(detail: Pick<ModelVersionDetail, 'evaluation' | 'validation'>): LabelledReport[] {
  const reports: LabelledReport[] = [];
  const candidate = asReport(detail.validation?.candidate);
  const base = asReport(detail.validation?.base);
  if (candidate) reports.push({ label: 'Candidate (evaluation gate)', report: candidate });
  if (base) reports.push({ label: `Base ${detail.validation?.base.version ?? ''} (same test split)`.replace('  ', ' '), report: base });
  const bundle = asReport(detail.evaluation);
  if (bundle && !candidate) reports.push({ label: 'Bundle evaluation', report: bundle });
  return reports;
}

export interface FindingRow extends FindingMetrics {
  finding: string;
}

/** Per-finding rows, in a stable order (by name). */
export function findingRows(summary: EvaluationSummary): FindingRow[] {
  return Object.entries(summary.findings).map(([finding, m]) => ({ finding, ...m })).sort((a, b) => a.finding.localeCompare(b.finding));
}

export interface SubgroupRow {
  attribute: string;
  group: string;
  n: number;
  exactMatch: number;
  macroF1: number;
}

/** One row per subgroup (sex, ageBand, site, ...). */
export function subgroupRows(report: EvaluationReport): SubgroupRow[] {
  return Object.entries(report.subgroups).flatMap(([attribute, groups]) =>
    Object.entries(groups).map(([group, s]) => ({ attribute, group, n: s.n, exactMatch: s.exactMatch.value, macroF1: s.macroF1.value })),
  );
}

/** 0.9876 → "0.988". */
export function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}
