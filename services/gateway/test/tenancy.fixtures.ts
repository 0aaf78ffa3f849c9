// The resources, probes and filter values of the tenancy walk (tenancy.int.test.ts): how to create a
// victim's resource of each kind, the request an attacker sends to each operation, and the value that
// aims each list filter at the victim's rows.
import type { TestGateway } from './gateway.harness.ts';

/** The tenant whose rows an attacker must never see or change: an organization, or one project of it. */
export interface Victim {
  orgId: string;
  orgSlug: string;
  projectId: string;
  /** Prefix of every name and surrogate the victim's rows carry. */
  tag: string;
  /** A key of the victim's project (RESOURCES.apiKey), whose reads leave an audit trail to leak. */
  key: { auth: string; keyId: string };
  /** De-identified UIDs of the victim's study (RESOURCES.study). */
  uids: { study: string; series: string; sop: string };
  /** Create (once) and return the id (a model: its name) of the victim's resource of this kind. */
  resource(kind: string): Promise<string>;
  /** Every id, name and UID of the victim handed out so far: none may appear in an answer to the attacker. */
  tokens: Set<string>;
}

export interface Probe {
  params?: Record<string, string>;
  query?: Record<string, string>;
  payload?: unknown;
  headers?: Record<string, string>;
}

type Factory = (gw: TestGateway, v: Victim) => Promise<string>;

/** How to create a victim's resource of each kind, in its project (add yours). */
export const RESOURCES: Record<string, Factory> = {
  project: async (_gw, v) => v.projectId,
  apiKey: async (_gw, v) => v.key.keyId,
  model: async (gw, v) => (await gw.db.prisma.model.create({ data: { orgId: v.orgId, projectId: v.projectId, name: `${v.tag}-model` } })).name,
  upload: async (gw, v) => (await gw.db.prisma.upload.create({ data: { orgId: v.orgId, projectId: v.projectId } })).id,
  // A de-identified study with one series and one READY instance, under the victim's UIDs.
  study: async (gw, v) => {
    const base = { orgId: v.orgId, projectId: v.projectId };
    const { uids } = v;
    const study = await gw.db.prisma.study.create({
      data: { ...base, studyInstanceUid: uids.study, modalities: ['MR'], seriesCount: 1, instanceCount: 1, patientSurrogateId: `${v.tag}-patient`, accessionNumber: `${v.tag}-acc`, studyDate: new Date('2020-02-02') },
    });
    const series = await gw.db.prisma.series.create({ data: { ...base, studyId: study.id, seriesInstanceUid: uids.series, modality: 'MR', bodyPart: 'CHEST', instanceCount: 1 } });
    await gw.db.prisma.instance.create({ data: { ...base, seriesId: series.id, status: 'READY', inputSha256: `x-${v.tag}`, studyInstanceUid: uids.study, seriesInstanceUid: uids.series, sopInstanceUid: uids.sop, objectKey: `deid/${v.tag}.dcm` } });
    return study.id;
  },
  // An instance held for burned-in review (its raw upload kept), which only the victim may decide.
  reviewInstance: async (gw, v) => (await gw.db.prisma.instance.create({
    data: { orgId: v.orgId, projectId: v.projectId, status: 'REJECTED', errorCode: 'BURNED_IN_REVIEW', inputSha256: `r-${v.tag}`, quarantineKey: `quarantine/${v.orgId}/${v.projectId}/held.dcm` },
  })).id,
  dataset: async (gw, v) => (await gw.db.prisma.dataset.create({ data: { orgId: v.orgId, projectId: v.projectId, name: `${v.tag}-set`, task: 'report-generation' } })).id,
  // A snapshot row of the victim's dataset (its manifests are never read: every probe stops at 404).
  datasetSnapshot: async (gw, v) => {
    const datasetId = await v.resource('dataset');
    const key = (f: string) => `datasets/${v.orgId}/${datasetId}/snapshots/x/${f}`;
    const split = { studies: 0, patients: 0, positives: {} };
    const stats = { train: split, val: split, test: split, excluded: { burnedIn: 0, noImage: 0 } };
    return (await gw.db.prisma.datasetSnapshot.create({
      data: { orgId: v.orgId, projectId: v.projectId, datasetId, seed: 1, valFraction: 0.1, testFraction: 0.1, labelNames: ['a'], trainKey: key('train.jsonl'), valKey: key('val.jsonl'), testKey: key('test.jsonl'), metadataKey: key('snapshot.json'), sha256: '0'.repeat(64), trainCount: 0, valCount: 0, testCount: 0, stats },
    })).id;
  },
  inference: async (gw, v) => {
    const model = await gw.db.prisma.model.findFirstOrThrow({ where: { orgId: v.orgId, name: await v.resource('model') } });
    const version = await gw.db.prisma.modelVersion.create({ data: { orgId: v.orgId, modelId: model.id, version: '1', manifest: {}, objectPrefix: `models/${v.orgId}/${model.name}/1` } });
    return (await gw.db.prisma.inference.create({ data: { orgId: v.orgId, projectId: v.projectId, modelVersionId: version.id, request: { models: [], input: { kind: 'study', instanceIds: [] } } } })).id;
  },
  finetuneJob: async (gw, v) => {
    const model = await gw.db.prisma.model.create({ data: { orgId: v.orgId, projectId: v.projectId, name: `${v.tag}-ftbase` } });
    const version = await gw.db.prisma.modelVersion.create({ data: { orgId: v.orgId, modelId: model.id, version: '1', status: 'RELEASED', manifest: {}, objectPrefix: `models/${v.orgId}/${model.name}/1` } });
    const pool = await gw.db.prisma.nodePool.findUniqueOrThrow({ where: { name: 'cpu' } });
    const job = { orgId: v.orgId, projectId: v.projectId, baseModelVersionId: version.id, datasetSnapshotId: await v.resource('datasetSnapshot'), method: 'full' as const, seed: 1, nodePoolId: pool.id };
    return (await gw.db.prisma.finetuneJob.create({ data: job })).id;
  },
};

/** An Open Inference Protocol v2 request (the victim's model version 1 exists: RESOURCES.inference). */
const OIP_INFER = { inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 1, 1, 1], data: [0] }] };

const model = async (v: Victim) => ({ name: await v.resource('model') });
const modelVersion = async (v: Victim) => ({ name: await v.resource('model'), version: '1' });
const id = (kind: string) => async (v: Victim) => ({ id: await v.resource(kind) });
const snapshot = async (v: Victim) => ({ id: await v.resource('dataset'), sid: await v.resource('datasetSnapshot') });

/** One row per operation ("METHOD /path" as in OpenAPI): the request the attacker sends, naming the victim's resources. */
export const PROBES: Record<string, (v: Victim) => Promise<Probe> | Probe> = {
  'GET /v1/me': () => ({}),
  'GET /v1/organizations': () => ({}),
  'GET /v1/organizations/{id}': (v) => ({ params: { id: v.orgId } }),
  'PATCH /v1/organizations/{id}': (v) => ({ params: { id: v.orgId }, payload: { name: 'pwned' } }),
  'GET /v1/projects': () => ({}),
  'POST /v1/projects': () => ({ payload: { slug: 'attacker-project', name: 'B' } }),
  'GET /v1/projects/{id}': async (v) => ({ params: await id('project')(v) }),
  'PATCH /v1/projects/{id}': async (v) => ({ params: await id('project')(v), payload: { name: 'pwned' } }),
  'GET /v1/api-keys': () => ({}),
  'POST /v1/api-keys': async (v) => ({ payload: { scopes: ['admin'], projectId: await v.resource('project') } }),
  'GET /v1/api-keys/{id}': async (v) => ({ params: await id('apiKey')(v) }),
  'DELETE /v1/api-keys/{id}': async (v) => ({ params: await id('apiKey')(v) }),
  'GET /v1/audit/events': () => ({}),
  'GET /v1/audit/events/export': () => ({}),
  'GET /v1/audit/verify': () => ({}),
  'GET /v1/models': () => ({}),
  'POST /v1/models': async (v) => ({ payload: { name: 'attacker-model', projectId: await v.resource('project') } }),
  'GET /v1/models/{name}': async (v) => ({ params: await model(v) }),
  'POST /v1/models/{name}/versions': async (v) => ({ params: await model(v), payload: {} }),
  'GET /v1/models/{name}/versions': async (v) => ({ params: await model(v) }),
  'GET /v1/models/{name}/versions/{version}': async (v) => ({ params: await modelVersion(v) }),
  'POST /v1/models/{name}/versions/{version}/release': async (v) => ({ params: await modelVersion(v), payload: { reason: 'pwned', override: true } }),
  'POST /v1/models/{name}/versions/{version}/retire': async (v) => ({ params: await modelVersion(v), payload: { reason: 'pwned' } }),
  'POST /v1/inferences': async (v) => ({ payload: { models: [await v.resource('model')], input: { studyId: await v.resource('study') } } }),
  'GET /v1/inferences/{id}': async (v) => ({ params: await id('inference')(v) }),
  'GET /v2/models/{name}': async (v) => ({ params: await model(v) }),
  'GET /v2/models/{name}/ready': async (v) => ({ params: await model(v) }),
  'POST /v2/models/{name}/infer': async (v) => ({ params: await model(v), payload: OIP_INFER }),
  'GET /v2/models/{name}/versions/{version}': async (v) => ({ params: await modelVersion(v) }),
  'GET /v2/models/{name}/versions/{version}/ready': async (v) => ({ params: await modelVersion(v) }),
  'POST /v2/models/{name}/versions/{version}/infer': async (v) => ({ params: await modelVersion(v), payload: OIP_INFER }),
  'POST /dicomweb/studies': async (v) => ({ query: { projectId: await v.resource('project') }, headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=x' }, payload: '--x--\r\n' }),
  'POST /dicomweb/studies/{study}': async (v) => ({ params: { study: v.uids.study }, query: { projectId: await v.resource('project') }, headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=x' }, payload: '--x--\r\n' }),
  'POST /v1/uploads': async (v) => ({ query: { projectId: await v.resource('project') }, headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x--\r\n' }),
  'GET /v1/uploads/{id}': async (v) => ({ params: await id('upload')(v) }),
  'GET /v1/projects/{id}/deid-profile': async (v) => ({ params: await id('project')(v) }),
  'PUT /v1/projects/{id}/deid-profile': async (v) => ({ params: await id('project')(v), payload: { burnedInPolicy: 'FLAG' } }),
  'GET /v1/datasets': () => ({}),
  'POST /v1/datasets': async (v) => ({ payload: { name: 'attacker-set', task: 'report-generation', projectId: await v.resource('project') } }),
  'GET /v1/datasets/{id}': async (v) => ({ params: await id('dataset')(v) }),
  'POST /v1/datasets/{id}/labels': async (v) => ({ params: await id('dataset')(v), headers: { 'content-type': 'application/x-ndjson' }, payload: `{"studyInstanceUid":"${v.uids.study}","labels":{"a":1}}` }),
  'POST /v1/datasets/{id}/snapshots': async (v) => ({ params: await id('dataset')(v), payload: { seed: 1, split: { val: 0.1, test: 0.1 } } }),
  'GET /v1/datasets/{id}/snapshots': async (v) => ({ params: await id('dataset')(v) }),
  'GET /v1/datasets/{id}/snapshots/{sid}': async (v) => ({ params: await snapshot(v) }),
  'GET /v1/datasets/{id}/snapshots/{sid}/rows': async (v) => ({ params: await snapshot(v), query: { split: 'train' } }),
  'GET /v1/review': () => ({}),
  'GET /v1/review/{instanceId}/preview': async (v) => ({ params: { instanceId: await v.resource('reviewInstance') } }),
  'POST /v1/review/{instanceId}/approve': async (v) => ({ params: { instanceId: await v.resource('reviewInstance') }, payload: { reasonCode: 'NO_TEXT_VISIBLE' } }),
  'POST /v1/review/{instanceId}/reject': async (v) => ({ params: { instanceId: await v.resource('reviewInstance') }, payload: { reasonCode: 'TEXT_IDENTIFYING' } }),
  'GET /v1/studies': () => ({}),
  'GET /v1/studies/{id}': async (v) => ({ params: await id('study')(v) }),
  'DELETE /v1/studies/{id}': async (v) => ({ params: await id('study')(v), payload: { reason: 'pwned' } }),
  'POST /v1/finetune-jobs': async (v) => ({ payload: { baseModel: `${v.tag}-ftbase`, datasetSnapshotId: await v.resource('datasetSnapshot'), method: 'lora' } }),
  'GET /v1/finetune-jobs': () => ({}),
  'GET /v1/finetune-jobs/{id}': async (v) => ({ params: await id('finetuneJob')(v) }),
  'GET /v1/finetune-jobs/{id}/events': async (v) => ({ params: await id('finetuneJob')(v) }),
  'POST /v1/finetune-jobs/{id}/cancel': async (v) => ({ params: await id('finetuneJob')(v) }),
  'GET /dicomweb/studies': () => ({}),
  'GET /dicomweb/studies/{study}': (v) => ({ params: { study: v.uids.study } }),
  'GET /dicomweb/studies/{study}/metadata': (v) => ({ params: { study: v.uids.study } }),
  'GET /dicomweb/series': () => ({}),
  'GET /dicomweb/instances': () => ({}),
  'GET /dicomweb/studies/{study}/instances': (v) => ({ params: { study: v.uids.study } }),
  'GET /dicomweb/studies/{study}/series': (v) => ({ params: { study: v.uids.study } }),
  'GET /dicomweb/studies/{study}/series/{series}': (v) => ({ params: { study: v.uids.study, series: v.uids.series } }),
  'GET /dicomweb/studies/{study}/series/{series}/metadata': (v) => ({ params: { study: v.uids.study, series: v.uids.series } }),
  'GET /dicomweb/studies/{study}/series/{series}/instances': (v) => ({ params: { study: v.uids.study, series: v.uids.series } }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}': (v) => ({ params: v.uids }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}/metadata': (v) => ({ params: v.uids }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frames}': (v) => ({ params: { ...v.uids, frames: '1' } }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}/rendered': (v) => ({ params: v.uids }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}/bulkdata/{tag}': (v) => ({ params: { ...v.uids, tag: '7FE00010' } }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frames}/rendered': (v) => ({ params: { ...v.uids, frames: '1' } }),
};

/** Query parameters that page, shape or render an answer rather than choose its rows. */
export const NOT_FILTERS = new Set(['limit', 'after', 'cursor', 'offset', 'includefield', 'fuzzymatching', 'wait', 'window', 'viewport', 'quality', 'accept']);

/** Attribute keys QIDO-RS matches on (its query schema takes any key, so OpenAPI does not list them). */
export const QIDO_FILTERS = ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'PatientID', 'AccessionNumber', 'ModalitiesInStudy', 'Modality', 'StudyDate'];

/**
 * The value that aims each filter at the victim's rows (a filter of a new route fails the walk
 * until it has one). Filters that match by value rather than by id (modality, dates) select the
 * victim's rows too, so the answer must still leave them out.
 */
export const FILTERS: Record<string, (v: Victim) => Promise<string> | string> = {
  projectId: (v) => v.resource('project'),
  studyId: (v) => v.resource('study'),
  modelId: async (v) => v.resource('model'),
  uploadId: (v) => v.resource('upload'),
  studyInstanceUid: (v) => v.uids.study,
  patientId: (v) => `${v.tag}-patient`,
  accessionNumber: (v) => `${v.tag}-acc`,
  modality: () => 'MR',
  bodyPart: () => 'CHEST',
  from: () => '2020-01-01',
  to: () => '2020-12-31',
  action: () => 'study.read',
  resourceType: () => 'study',
  resourceId: (v) => v.resource('study'),
  actor: (v) => v.resource('apiKey'),
  since: () => '2000-01-01T00:00:00Z',
  until: () => '2100-01-01T00:00:00Z',
  StudyInstanceUID: (v) => v.uids.study,
  SeriesInstanceUID: (v) => v.uids.series,
  SOPInstanceUID: (v) => v.uids.sop,
  PatientID: (v) => `${v.tag}-patient`,
  AccessionNumber: (v) => `${v.tag}-acc`,
  ModalitiesInStudy: () => 'MR',
  Modality: () => 'MR',
  StudyDate: () => '20200101-20201231',
  // "*" matches every value: unscoped, these would list the victim's rows.
  StudyTime: () => '000000-235959',
  ReferringPhysicianName: () => '*',
  StudyDescription: () => '*',
  PatientName: () => '*',
  PatientSex: () => '*',
  StudyID: () => '*',
  SeriesNumber: () => '1',
  SeriesDescription: () => '*',
  PerformedProcedureStepStartDate: () => '20000101-20301231',
  PerformedProcedureStepStartTime: () => '000000-235959',
  BodyPartExamined: () => 'CHEST',
  Manufacturer: () => '*',
  SeriesDate: () => '20000101-20301231',
  SeriesTime: () => '000000-235959',
  SOPClassUID: () => '1.2.840.10008.5.1.4.1.1.4',
  InstanceNumber: () => '1',
  split: () => 'train',
  status: () => 'validating',
};

/** Filters naming the tenant itself: aimed at another tenant they answer 404, like a path id. */
export const TENANT_FILTERS = new Set(['projectId']);
