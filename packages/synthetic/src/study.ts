import { sampleAnatomy } from './anatomy.ts';
import { expose } from './detector.ts';
import { labelVector, reportSentence, sampleFindings, type Findings, type Task } from './findings.ts';
import { dicomDate, samplePatient, samplePhysician, type Patient } from './patient.ts';
import { createRng, type Rng } from './prng.ts';
import { renderAttenuation } from './render.ts';
import { SITES, type Site } from './sites.ts';

/** One synthetic CR study (a single PA image) with everything needed to write and label it. */
export interface SyntheticStudy {
  index: number;
  task: Task;
  site: Site;
  patient: Patient;
  physician: string;
  findings: Findings;
  report: string;
  labels: number[];
  studyDate: string;
  studyTime: string;
  accession: string;
  uids: { study: string; series: string; sop: string };
  rows: number;
  columns: number;
  pixels: Uint16Array;
  windowCenter: number;
  windowWidth: number;
}

/** `2.25.` + 128 random bits in decimal: a valid UID that needs no registered root. */
export function randomUid(rng: Rng): string {
  let n = 0n;
  for (let i = 0; i < 4; i++) n = (n << 32n) | BigInt(rng.u32());
  return `2.25.${n.toString()}`;
}

const TASK_KEY: Record<Task, number> = { findings: 1, pneumothorax: 2 };
const FIRST_DAY = Date.UTC(2019, 0, 1) / 86_400_000;

/**
 * Generates study `index` of the stream (seed, task). Each study has its own PRNG stream, so a
 * study does not change when the count changes and files can be generated in any order.
 */
export function generateStudy(seed: number, index: number, task: Task): SyntheticStudy {
  const rng = createRng(seed, TASK_KEY[task], index);
  const site = rng.pick(SITES);
  const studyDay = FIRST_DAY + rng.int(0, 6 * 365);
  const patient = samplePatient(rng, studyDay);
  const findings = sampleFindings(rng, task, patient.age);
  const anatomy = sampleAnatomy(rng, patient, findings);
  const image = expose(renderAttenuation(anatomy, site.rows, site.columns), site.rows, site.columns, site, rng);
  const minutes = rng.int(7 * 60, 22 * 60);
  return {
    index,
    task,
    site,
    patient,
    physician: samplePhysician(rng),
    findings,
    report: reportSentence(findings),
    labels: labelVector(findings, task),
    studyDate: dicomDate(studyDay),
    studyTime: `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}${String(rng.int(0, 59)).padStart(2, '0')}`,
    accession: `A${String(rng.int(10_000_000, 99_999_999))}`,
    uids: { study: randomUid(rng), series: randomUid(rng), sop: randomUid(rng) },
    rows: site.rows,
    columns: site.columns,
    ...image,
  };
}
