// deidentify(): parse → burned-in decision → profile walk → clean free text → output attributes
// → write (byte-preserving, file meta rebuilt) → verification gate → report. Pure and synchronous.
import type { DicomDataset, DicomFile } from '@medgrade/dicom';
import { DicomError, formatTag, parseDicom, Tags, writeDicom } from '@medgrade/dicom';
import { actionResolver, enabledColumns } from './action.resolve.ts';
import { assessBurnedIn } from './burned-in.ts';
import { patientKey, patientShiftDays } from './date.shift.ts';
import { DeidError } from './deid.error.ts';
import { expectedTokens, type ExpectedTokens } from './expected.tokens.ts';
import { scrubKeptValues } from './kept.scrub.ts';
import { iodKind } from './iod-types.ts';
import type { DeidContext, DeidOptions, SafePrivateTag } from './options.ts';
import { DEFAULT_DEID_OPTIONS } from './options.ts';
import { addOutputAttributes } from './output-attributes.ts';
import { emptyNeedles } from './phi.needles.ts';
import { processDataset } from './dataset.process.ts';
import type { DeidReport } from './report.ts';
import { buildReport, readInputFacts } from './report.ts';
import type { Run } from './run.types.ts';
import type { Sex } from './surrogate.ts';
import { cleanText } from './text.clean.ts';
import { writeValue } from './value.replace.ts';
import { verifyOutput } from './verify.gate.ts';

/** A de-identified file and what was done to it. */
export interface DeidResult {
  output: Buffer;
  report: DeidReport;
  /** `output` as the verification gate parsed it again (read-only use: saves callers a parse). */
  verified: DicomFile;
}

/**
 * The output, only if the project's burned-in policy lets it be used without a person's review:
 * a `quarantine` decision throws BURNED_IN_REVIEW, so no caller (ingest, inference on an upload)
 * can hand unreviewed pixels on.
 */
export function releasableOutput(result: DeidResult): Buffer {
  const { burnedIn } = result.report;
  if (burnedIn.decision === 'quarantine') {
    throw new DeidError('BURNED_IN_REVIEW', `burned-in text is likely (${burnedIn.reason}) and the project policy holds such files for review`);
  }
  return result.output;
}

const MIN_SECRET_BYTES = 16;
// File meta elements that can carry identity (AE titles, private information): never rewritten.
const META_DROP = [0x00020016, 0x00020017, 0x00020018, 0x00020100, 0x00020102];

/** Runs a DICOM library call, turning its typed errors into DeidErrors with the same code. */
function dicomStep<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof DicomError) throw new DeidError(err.code, err.message);
    throw err;
  }
}

function groupSafePrivate(list: readonly SafePrivateTag[]): Map<number, SafePrivateTag[]> {
  const out = new Map<number, SafePrivateTag[]>();
  for (const s of list) out.set(s.group, [...(out.get(s.group) ?? []), s]);
  return out;
}

function patientKeyOf(ds: DicomDataset): string {
  return patientKey({ patientId: ds.getString(0x00100020), issuerOfPatientId: ds.getString(0x00100021), patientName: ds.getString(0x00100010), studyInstanceUid: ds.getString(0x0020000d) });
}

function createRun(ds: DicomDataset, options: DeidOptions, secret: Buffer): Run {
  const sex = ds.getString(0x00100040)?.trim().toUpperCase() ?? '';
  const enabled = enabledColumns(options);
  return {
    secret,
    options,
    enabled,
    resolve: actionResolver(enabled),
    iod: iodKind(ds.getString(Tags.SOPClassUID)?.trim(), ds.has(Tags.PixelData)),
    sex: (sex === 'M' || sex === 'F' || sex === 'O' ? sex : '') as Sex,
    shiftDays: patientShiftDays(secret, patientKeyOf(ds)),
    safePrivate: groupSafePrivate(options.retainSafePrivate),
    needles: emptyNeedles(),
    uidCache: new Map(),
    actions: new Map(),
    toClean: [],
    generated: [],
    malformed: [],
    privateRemoved: 0,
  };
}

// Maximum value lengths (PS3.5 Table 6.2-1) that a cleaned value must still respect.
const MAX_LENGTH: Record<string, number> = { CS: 16, SH: 16, LO: 64, PN: 64, ST: 1024, LT: 10240 };

/** Cleans the deferred free text now that every needle of the file is known. */
function cleanDeferred(run: Run, isExpected: ExpectedTokens): void {
  for (const { dataset, element } of run.toClean) {
    const original = dataset.elementString(element);
    const cleaned = cleanText(original, run.needles, isExpected).slice(0, MAX_LENGTH[element.vr] ?? Infinity);
    if (cleaned === original) continue;
    try {
      writeValue(dataset, element, cleaned, run);
    } catch {
      dataset.remove(element.tag); // the character set cannot encode the cleaned text: remove instead
    }
  }
}

const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';

/** Only composite instances are de-identified: the platform indexes them by their SOP Instance UID. */
function checkInstance(ds: DicomDataset): void {
  const sopClass = ds.getString(Tags.SOPClassUID)?.trim();
  if (!sopClass || !ds.getString(Tags.SOPInstanceUID)?.trim()) {
    throw new DeidError('NOT_AN_INSTANCE', 'the data set has no SOP Class UID (0008,0016) or SOP Instance UID (0008,0018)');
  }
  if (sopClass === MEDIA_STORAGE_DIRECTORY) throw new DeidError('NOT_AN_INSTANCE', 'a DICOMDIR is not an instance; send the files it lists');
}

function rebuildMeta(file: DicomFile): void {
  for (const t of META_DROP) file.meta.remove(t);
  const sop = file.dataset.getString(Tags.SOPInstanceUID)?.trim();
  if (sop) file.meta.set(Tags.MediaStorageSOPInstanceUID, sop, 'UI');
}

/** De-identifies one Part 10 file (PS3.15 Annex E, Table E.1-1 with the project's options). */
export function deidentify(input: Uint8Array, options: DeidOptions = DEFAULT_DEID_OPTIONS, context: DeidContext): DeidResult {
  if (context.secret.length < MIN_SECRET_BYTES) throw new DeidError('BAD_SECRET', `the project secret must be at least ${MIN_SECRET_BYTES} bytes`);
  const parseOptions = { maxInflatedBytes: context.maxInflatedBytes };
  const file = dicomStep(() => parseDicom(input, parseOptions));
  const ds = file.dataset;
  checkInstance(ds);
  // A reviewer's approval stands in for the policy: the pixels are kept, flagged, and the method says so.
  const reviewed = context.burnedInReviewed === true;
  const burnedIn = assessBurnedIn(
    { burnedInAnnotation: ds.getString(0x00280301), modality: ds.getString(0x00080060), sopClassUid: ds.getString(Tags.SOPClassUID) },
    reviewed ? 'flag' : (context.burnedInPolicy ?? 'quarantine'),
  );
  if (burnedIn.risk && !reviewed && context.burnedInPolicy === 'reject') {
    throw new DeidError('BURNED_IN_REJECTED', `burned-in text is likely (${burnedIn.reason}) and the project policy rejects such files`);
  }
  const facts = readInputFacts(ds);
  const run = createRun(ds, options, context.secret);
  dicomStep(() => processDataset(ds, run, 0, 'keep'));
  run.generated.push(...dicomStep(() => addOutputAttributes(ds, options, reviewed && burnedIn.risk)));
  const keptCleaned = dicomStep(() => scrubKeptValues(ds, run));
  const isExpected = expectedTokens(ds, run.generated, new Set(run.toClean.map((c) => c.element)));
  cleanDeferred(run, isExpected);
  rebuildMeta(file);
  const output = dicomStep(() => writeDicom(file, { into: context.outputInto }));
  const keptAsIs = new Set<number>();
  for (const [tag, action] of run.actions) if (action === 'C' || action === 'K') keptAsIs.add(tag);
  const verified = verifyOutput(output, run.needles, isExpected, parseOptions, keptAsIs);
  const report = buildReport(ds, {
    transferSyntaxUid: file.transferSyntaxUid,
    facts,
    keepCharacteristics: options.retainPatientCharacteristics,
    burnedIn,
    actions: run.actions,
    privateRemoved: run.privateRemoved,
    keptCleaned,
    keptMalformed: [...new Set(run.malformed)].map(formatTag),
  });
  return { output, report, verified };
}
