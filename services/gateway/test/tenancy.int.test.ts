import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

// Walks EVERY operation in /openapi.json: without a key each secured one answers 401; with an
// admin key of organization B (every scope) each one that names an organization-A resource answers
// 404 (never 200), and collection/creation routes never return organization A's ids.
// A new route fails this test until it has a PROBES row (and, for a new kind of resource, a
// RESOURCES entry that creates one in organization A).

interface OrgA {
  orgId: string;
  keyId: string;
  /** Create (once) and return the id of an org-A resource of this kind. */
  resource(kind: string): Promise<string>;
  /** Every org-A id handed out so far, for leak checks. */
  ids: Set<string>;
}

interface Probe {
  params?: Record<string, string>;
  query?: Record<string, string>;
  payload?: unknown;
  headers?: Record<string, string>;
}

/** De-identified UIDs of organization A's study (RESOURCES.study). */
const STUDY_A = { study: '2.25.1001', series: '2.25.1002', sop: '2.25.1003' };

/** How to create an organization-A resource of each kind (add yours). */
const RESOURCES: Record<string, (gw: TestGateway, a: { orgId: string; auth: string }) => Promise<string>> = {
  project: (gw, a) => gw.project(a.orgId, 'tenancy-a'),
  apiKey: async (gw) => (await gw.key('tenancy-a', ['studies:read'])).keyId,
  model: async (gw, a) => (await gw.db.prisma.model.create({ data: { orgId: a.orgId, name: 'tenancy-a-model' } })).name,
  upload: async (gw, a) => {
    const project = await gw.db.prisma.project.findFirstOrThrow({ where: { orgId: a.orgId } });
    return (await gw.db.prisma.upload.create({ data: { orgId: a.orgId, projectId: project.id } })).id;
  },
  // A de-identified study with one series and one READY instance, under the fixed UIDs of STUDY_A.
  study: async (gw, a) => {
    const project = await gw.db.prisma.project.findFirstOrThrow({ where: { orgId: a.orgId } });
    const base = { orgId: a.orgId, projectId: project.id };
    const study = await gw.db.prisma.study.create({ data: { ...base, studyInstanceUid: STUDY_A.study, modalities: ['MR'], seriesCount: 1, instanceCount: 1 } });
    const series = await gw.db.prisma.series.create({ data: { ...base, studyId: study.id, seriesInstanceUid: STUDY_A.series, modality: 'MR', instanceCount: 1 } });
    await gw.db.prisma.instance.create({ data: { ...base, seriesId: series.id, status: 'READY', inputSha256: 'x', studyInstanceUid: STUDY_A.study, seriesInstanceUid: STUDY_A.series, sopInstanceUid: STUDY_A.sop, objectKey: 'deid/a.dcm' } });
    return study.id;
  },
  inference: async (gw, a) => {
    const model = await gw.db.prisma.model.upsert({ where: { orgId_name: { orgId: a.orgId, name: 'tenancy-a-model' } }, create: { orgId: a.orgId, name: 'tenancy-a-model' }, update: {} });
    const version = await gw.db.prisma.modelVersion.create({ data: { orgId: a.orgId, modelId: model.id, version: '1', manifest: {}, objectPrefix: `models/${a.orgId}/tenancy-a-model/1` } });
    return (await gw.db.prisma.inference.create({ data: { orgId: a.orgId, modelVersionId: version.id, request: { models: [], input: { kind: 'study', instanceIds: [] } } } })).id;
  },
};

/** An Open Inference Protocol v2 request (org A's model version 1 exists: RESOURCES.inference). */
const OIP_INFER = { inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 1, 1, 1], data: [0] }] };

/** One row per operation ("METHOD /path" as in OpenAPI): the request org B sends. */
const PROBES: Record<string, (a: OrgA) => Promise<Probe> | Probe> = {
  'GET /v1/me': () => ({}),
  'GET /v1/organizations': () => ({}),
  'GET /v1/organizations/{id}': (a) => ({ params: { id: a.orgId } }),
  'PATCH /v1/organizations/{id}': (a) => ({ params: { id: a.orgId }, payload: { name: 'pwned' } }),
  'GET /v1/projects': () => ({}),
  'POST /v1/projects': () => ({ payload: { slug: 'org-b-project', name: 'B' } }),
  'GET /v1/projects/{id}': async (a) => ({ params: { id: await a.resource('project') } }),
  'PATCH /v1/projects/{id}': async (a) => ({ params: { id: await a.resource('project') }, payload: { name: 'pwned' } }),
  'GET /v1/api-keys': () => ({}),
  'POST /v1/api-keys': async (a) => ({ payload: { scopes: ['admin'], projectId: await a.resource('project') } }),
  'GET /v1/api-keys/{id}': async (a) => ({ params: { id: await a.resource('apiKey') } }),
  'DELETE /v1/api-keys/{id}': async (a) => ({ params: { id: await a.resource('apiKey') } }),
  'GET /v1/audit/events': () => ({}),
  'GET /v1/audit/events/export': () => ({}),
  'GET /v1/audit/verify': () => ({}),
  'GET /v1/models': () => ({}),
  'POST /v1/models': () => ({ payload: { name: 'org-b-model' } }),
  'GET /v1/models/{name}': async (a) => ({ params: { name: await a.resource('model') } }),
  'POST /v1/models/{name}/versions': async (a) => ({ params: { name: await a.resource('model') }, payload: {} }),
  'GET /v1/models/{name}/versions': async (a) => ({ params: { name: await a.resource('model') } }),
  'GET /v1/models/{name}/versions/{version}': async (a) => ({ params: { name: await a.resource('model'), version: '1' } }),
  'POST /v1/models/{name}/versions/{version}/release': async (a) => ({ params: { name: await a.resource('model'), version: '1' }, payload: { reason: 'pwned', override: true } }),
  'POST /v1/models/{name}/versions/{version}/retire': async (a) => ({ params: { name: await a.resource('model'), version: '1' }, payload: { reason: 'pwned' } }),
  'POST /v1/inferences': async (a) => ({ payload: { models: [await a.resource('model')], input: { studyId: '00000000-0000-4000-8000-000000000000' } } }),
  'GET /v1/inferences/{id}': async (a) => ({ params: { id: await a.resource('inference') } }),
  'GET /v2/models/{name}': async (a) => ({ params: { name: await a.resource('model') } }),
  'GET /v2/models/{name}/ready': async (a) => ({ params: { name: await a.resource('model') } }),
  'POST /v2/models/{name}/infer': async (a) => ({ params: { name: await a.resource('model') }, payload: OIP_INFER }),
  'GET /v2/models/{name}/versions/{version}': async (a) => ({ params: { name: await a.resource('model'), version: '1' } }),
  'GET /v2/models/{name}/versions/{version}/ready': async (a) => ({ params: { name: await a.resource('model'), version: '1' } }),
  'POST /v2/models/{name}/versions/{version}/infer': async (a) => ({ params: { name: await a.resource('model'), version: '1' }, payload: OIP_INFER }),
  'POST /dicomweb/studies': async (a) => ({ query: { projectId: await a.resource('project') }, headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=x' }, payload: '--x--\r\n' }),
  'POST /v1/uploads': async (a) => ({ query: { projectId: await a.resource('project') }, headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x--\r\n' }),
  'GET /v1/uploads/{id}': async (a) => ({ params: { id: await a.resource('upload') } }),
  'GET /v1/projects/{id}/deid-profile': async (a) => ({ params: { id: await a.resource('project') } }),
  'PUT /v1/projects/{id}/deid-profile': async (a) => ({ params: { id: await a.resource('project') }, payload: { burnedInPolicy: 'FLAG' } }),
  'GET /v1/studies': () => ({}),
  'GET /v1/studies/{id}': async (a) => ({ params: { id: await a.resource('study') } }),
  'DELETE /v1/studies/{id}': async (a) => ({ params: { id: await a.resource('study') }, payload: { reason: 'pwned' } }),
  'GET /dicomweb/studies': () => ({}),
  'GET /dicomweb/studies/{study}': () => ({ params: { study: STUDY_A.study } }),
  'GET /dicomweb/studies/{study}/metadata': () => ({ params: { study: STUDY_A.study } }),
  'GET /dicomweb/studies/{study}/series': () => ({ params: { study: STUDY_A.study } }),
  'GET /dicomweb/studies/{study}/series/{series}': () => ({ params: { study: STUDY_A.study, series: STUDY_A.series } }),
  'GET /dicomweb/studies/{study}/series/{series}/metadata': () => ({ params: { study: STUDY_A.study, series: STUDY_A.series } }),
  'GET /dicomweb/studies/{study}/series/{series}/instances': () => ({ params: { study: STUDY_A.study, series: STUDY_A.series } }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}': () => ({ params: { study: STUDY_A.study, series: STUDY_A.series, sop: STUDY_A.sop } }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}/metadata': () => ({ params: { study: STUDY_A.study, series: STUDY_A.series, sop: STUDY_A.sop } }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frames}': () => ({ params: { ...STUDY_A, frames: '1' } }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}/rendered': () => ({ params: STUDY_A }),
  'GET /dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frames}/rendered': () => ({ params: { ...STUDY_A, frames: '1' } }),
};

/** Operations that need no key (everything else must answer 401 without one). */
const PUBLIC = new Set(['GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /v2', 'GET /v2/health/live', 'GET /v2/health/ready']);

interface Operation {
  id: string;
  method: string;
  path: string;
  secured: boolean;
}

function operationsOf(spec: { paths: Record<string, Record<string, { security?: unknown[] }>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      ops.push({ id: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, secured: Boolean(op.security?.length) });
    }
  }
  return ops;
}

function urlOf(op: Operation, probe: Probe): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = probe.params?.[name];
    if (!value) throw new Error(`PROBES["${op.id}"] gives no value for path parameter {${name}}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(probe.query ?? {}).toString();
  return query ? `${path}?${query}` : path;
}

describe('tenancy: every route in the OpenAPI document', () => {
  let gw: TestGateway;
  let ops: Operation[];
  let orgA: OrgA;
  let orgBAuth: string;

  beforeAll(async () => {
    gw = await createTestGateway();
    const a = await gw.key('tenancy-a', ['admin']);
    orgBAuth = (await gw.key('tenancy-b', ['admin'])).auth;
    const created = new Map<string, string>();
    const ids = new Set([a.orgId, a.keyId]);
    orgA = {
      orgId: a.orgId,
      keyId: a.keyId,
      ids,
      async resource(kind) {
        const make = RESOURCES[kind];
        if (!make) throw new Error(`No RESOURCES["${kind}"] entry: add how to create one in organization A`);
        if (!created.has(kind)) created.set(kind, await make(gw, a));
        ids.add(created.get(kind)!);
        return created.get(kind)!;
      },
    };
    for (const kind of Object.keys(RESOURCES)) await orgA.resource(kind);
    // Some org-A audit history, so audit routes have something they could leak.
    await gw.app.inject({ method: 'POST', url: '/v1/projects', headers: { authorization: a.auth }, payload: { slug: 'a-history', name: 'A' } });
    ops = operationsOf((await gw.app.inject({ url: '/openapi.json' })).json());
  });
  afterAll(async () => {
    await gw.close();
  });

  it('has a probe for every secured operation and no stale probes', () => {
    const secured = ops.filter((op) => op.secured).map((op) => op.id);
    const unsecured = ops.filter((op) => !op.secured).map((op) => op.id);
    expect(secured.filter((id) => !PROBES[id]), 'add a PROBES row for each of these routes').toEqual([]);
    expect(Object.keys(PROBES).filter((id) => !secured.includes(id)), 'remove PROBES rows of routes that no longer exist').toEqual([]);
    expect(unsecured.filter((id) => !PUBLIC.has(id)), 'routes without security must be listed in PUBLIC').toEqual([]);
    expect(secured.length).toBeGreaterThanOrEqual(15);
  });

  it('answers 401 in the error shape without a key', async () => {
    for (const op of ops.filter((o) => o.secured)) {
      // Independent of PROBES: any parameter value must be refused before it is looked at.
      const params = Object.fromEntries([...op.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, '00000000-0000-4000-8000-000000000000']));
      const probe = PROBES[op.id] ? await PROBES[op.id]!(orgA) : { params };
      const res = await gw.app.inject({ method: op.method as 'GET', url: urlOf(op, probe), payload: probe.payload as object, headers: probe.headers });
      expect({ op: op.id, status: res.statusCode, code: res.json().error?.code }).toEqual({ op: op.id, status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it('never shows or changes organization A\'s resources to organization B', async () => {
    for (const op of ops.filter((o) => o.secured)) {
      const makeProbe = PROBES[op.id];
      if (!makeProbe) throw new Error(`No PROBES row for ${op.id}: add one (see the top of this file)`);
      const probe = await makeProbe(orgA);
      const res = await gw.app.inject({ method: op.method as 'GET', url: urlOf(op, probe), payload: probe.payload as object, headers: { ...probe.headers, authorization: orgBAuth } });
      // An org-A id in the path, the body or the query (upload targets name their project there).
      const namesOrgA = /\{\w+\}/.test(op.path) || JSON.stringify([probe.payload ?? {}, probe.query ?? {}]).match(/[0-9a-f-]{36}/);
      if (namesOrgA) {
        expect({ op: op.id, status: res.statusCode }).toEqual({ op: op.id, status: 404 });
      } else {
        expect({ op: op.id, ok: res.statusCode < 300 }).toEqual({ op: op.id, ok: true });
      }
      for (const id of orgA.ids) expect(res.body.includes(id), `${op.id} leaked an org-A id`).toBe(false);
    }
    // And nothing of A changed.
    const projectA = await gw.db.prisma.project.findUniqueOrThrow({ where: { id: await orgA.resource('project') } });
    expect(projectA.name).toBe('tenancy-a');
    const keyA = await gw.db.prisma.apiKey.findUniqueOrThrow({ where: { id: await orgA.resource('apiKey') } });
    expect(keyA.revokedAt).toBeNull();
    expect((await gw.db.prisma.organization.findUniqueOrThrow({ where: { id: orgA.orgId } })).name).toBe('TENANCY-A');
    expect(await gw.db.prisma.study.count({ where: { id: await orgA.resource('study') } })).toBe(1);
  });
});
