// Builds a snapshot's three manifests from a dataset's labelled studies: pure, so the same rows
// and seed always give the same bytes and the same SHA-256. Rows are the trainer's manifest
// format (services/trainer dataset.py) plus studyId; `file` is an object key the orchestrator's
// attempt runner resolves against the store.
import { createHash } from 'node:crypto';
import { UnprocessableError, type SnapshotManifestRow, type SnapshotStats, type SplitStats } from '@medgrade/contracts';
import { findingsFromLabels, reportSentence } from '@medgrade/synthetic';
import { splitByPatient, SPLITS, type Split, type SplitFractions } from './split.ts';

/** One labelled study with what the manifest needs (the repository's join of label, study and image). */
export interface SnapshotSource {
  studyId: string;
  patientSurrogateId: string | null;
  sex: string | null;
  ageBand: string | null;
  site: string | null;
  labels: Record<string, 0 | 1>;
  /** De-identified report; null: the canonical report of the labels is used when there is one. */
  report: string | null;
  /** Object key of the study's chosen image (repository: first clean READY instance), null when none. */
  imageKey: string | null;
  /** An image of the study is flagged for burned-in text. */
  burnedIn: boolean;
}

export interface BuiltSnapshot {
  labelNames: string[];
  manifests: Record<Split, Buffer>;
  fileSha256: Record<Split, string>;
  rows: Record<Split, number>;
  sha256: string;
  stats: SnapshotStats;
}

/** SHA-256 of `train <hex>\nval <hex>\ntest <hex>\n` over the manifests' own SHA-256 (contracts SnapshotMetadataSchema). */
export function snapshotDigest(fileSha256: Record<Split, string>): string {
  return createHash('sha256').update(SPLITS.map((s) => `${s} ${fileSha256[s]}\n`).join('')).digest('hex');
}

function usable(sources: readonly SnapshotSource[]) {
  const excluded = { burnedIn: 0, noImage: 0 };
  const kept = sources.filter((s) => {
    if (s.burnedIn) excluded.burnedIn += 1;
    else if (s.imageKey === null) excluded.noImage += 1;
    else return true;
    return false;
  });
  if (kept.length === 0) throw new UnprocessableError('The dataset has no labelled study with a usable image: import labels for de-identified studies first', { excluded });
  return { kept, excluded };
}

function vocabulary(rows: readonly SnapshotSource[]): string[] {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.labels)))].sort();
  const partial = rows.filter((r) => Object.keys(r.labels).length !== names.length);
  if (partial.length > 0) {
    const missing = names.map((n) => ({ finding: n, studies: rows.filter((r) => !(n in r.labels)).length })).filter((m) => m.studies > 0);
    throw new UnprocessableError('Every study of a snapshot needs a 0 or 1 for every finding: re-import the studies with the missing findings', { missing });
  }
  return names;
}

function reportOf(r: SnapshotSource): string | undefined {
  if (r.report !== null && r.report.trim() !== '') return r.report;
  const findings = findingsFromLabels(r.labels);
  return findings === undefined ? undefined : reportSentence(findings);
}

function line(r: SnapshotSource, names: string[], report: string): string {
  const row: SnapshotManifestRow & { studyId: string } = {
    file: r.imageKey!,
    report,
    labels: Object.fromEntries(names.map((n) => [n, r.labels[n]!])),
    sex: r.sex ?? 'unknown',
    ageBand: r.ageBand ?? 'unknown',
    site: r.site ?? 'unknown',
    studyId: r.studyId,
  };
  return `${JSON.stringify(row)}\n`;
}

function emptyStats(names: string[]): SplitStats {
  return { studies: 0, patients: 0, positives: Object.fromEntries(names.map((n) => [n, 0])) };
}

/** Splits and serializes; throws UnprocessableError (422) with counts when the dataset cannot make a snapshot. */
export function buildSnapshot(sources: readonly SnapshotSource[], fractions: SplitFractions, seed: number): BuiltSnapshot {
  const { kept, excluded } = usable(sources);
  const labelNames = vocabulary(kept);
  const reports = new Map(kept.map((r) => [r.studyId, reportOf(r)]));
  const noReport = kept.filter((r) => reports.get(r.studyId) === undefined).length;
  if (noReport > 0) {
    throw new UnprocessableError('The trainer needs a report for every study: import reports for the studies without one (only the synthetic chest findings vocabulary has a canonical report from labels)', { studiesWithoutReport: noReport });
  }
  const split = splitByPatient(kept.map((r) => ({ studyId: r.studyId, patientKey: r.patientSurrogateId ?? `study:${r.studyId}`, labels: r.labels })), fractions, seed);
  const lines: Record<Split, string[]> = { train: [], val: [], test: [] };
  const stats = { train: emptyStats(labelNames), val: emptyStats(labelNames), test: emptyStats(labelNames) };
  const patients: Record<Split, Set<string>> = { train: new Set(), val: new Set(), test: new Set() };
  for (const r of [...kept].sort((a, b) => (a.studyId < b.studyId ? -1 : 1))) {
    const s = split.get(r.studyId)!;
    lines[s].push(line(r, labelNames, reports.get(r.studyId)!));
    stats[s].studies += 1;
    patients[s].add(r.patientSurrogateId ?? `study:${r.studyId}`);
    for (const n of labelNames) stats[s].positives[n]! += r.labels[n]!;
  }
  for (const s of SPLITS) stats[s].patients = patients[s].size;
  const manifests = { train: Buffer.from(lines.train.join('')), val: Buffer.from(lines.val.join('')), test: Buffer.from(lines.test.join('')) };
  const fileSha256 = { train: sha(manifests.train), val: sha(manifests.val), test: sha(manifests.test) };
  return { labelNames, manifests, fileSha256, rows: { train: lines.train.length, val: lines.val.length, test: lines.test.length }, sha256: snapshotDigest(fileSha256), stats: { ...stats, excluded } };
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
