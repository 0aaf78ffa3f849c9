import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { studyToDicom } from './dicom-file.ts';
import { labelNames, type Task } from './findings.ts';
import { generateStudy, type SyntheticStudy } from './study.ts';

export interface SynthOptions {
  out: string;
  count: number;
  seed: number;
  task: Task;
  /** First study index; lets a caller write disjoint splits from one stream. */
  start?: number;
}

/**
 * One line of labels.jsonl: also a dataset manifest row for services/trainer (`file` relative to
 * the folder). Carries no PHI: the findings, the report and the subgroup keys only.
 */
export interface LabelRow {
  file: string;
  /** The UID the file carries as uploaded: what a label import names the study by. */
  studyInstanceUid: string;
  task: Task;
  report: string;
  labels: Record<string, number>;
  sex: string;
  ageBand: string;
  site: string;
  manufacturer: string;
}

export function labelRow(s: SyntheticStudy, file: string): LabelRow {
  const names = labelNames(s.task);
  return {
    file,
    studyInstanceUid: s.uids.study,
    task: s.task,
    report: s.report,
    labels: Object.fromEntries(names.map((n, i) => [n, s.labels[i] ?? 0])),
    sex: s.patient.sex,
    ageBand: s.patient.ageBand,
    site: s.site.id,
    manufacturer: s.site.manufacturer,
  };
}

/** Writes `count` studies as `<index>.dcm` plus `labels.jsonl`; returns the label rows. */
export async function writeSyntheticStudies(opts: SynthOptions): Promise<LabelRow[]> {
  await mkdir(opts.out, { recursive: true });
  const rows: LabelRow[] = [];
  const start = opts.start ?? 0;
  for (let i = start; i < start + opts.count; i++) {
    const study = generateStudy(opts.seed, i, opts.task);
    const file = `${String(i).padStart(6, '0')}.dcm`;
    await writeFile(join(opts.out, file), studyToDicom(study));
    rows.push(labelRow(study, file));
  }
  await writeFile(join(opts.out, 'labels.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return rows;
}
