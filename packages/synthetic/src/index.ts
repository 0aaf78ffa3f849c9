export { createRng, type Rng } from './prng.ts';
export { TASKS, ZONES, findingsFromLabels, labelNames, labelVector, reportSentence, sampleFindings, type Effusion, type Findings, type Side, type Task, type Zone } from './findings.ts';
export { AGE_BANDS, ageBand, type AgeBand, type Patient } from './patient.ts';
export { SITES, type Site } from './sites.ts';
export { generateStudy, randomUid, type SyntheticStudy } from './study.ts';
export { CR_IMAGE_STORAGE, crHeader, type HeaderElement } from './header.ts';
export { studyToDicom } from './dicom-file.ts';
export { labelRow, writeSyntheticStudies, type LabelRow, type SynthOptions } from './writer.ts';
