import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';
import { FILTERS, NOT_FILTERS, PROBES, QIDO_FILTERS, RESOURCES, TENANT_FILTERS, type Probe, type Victim } from './tenancy.fixtures.ts';

// Walks EVERY operation in /openapi.json: without a key each secured one answers 401. Then, from two
// attackers — an admin key of another organization, and an admin key limited to another project of
// the same organization — each operation that names a victim's resource answers 404 (never 200),
// each list route is probed with the victim's ids in every filter it takes (in the path, the query
// or the body), and no answer carries any of the victim's ids, names or UIDs.
// A new route fails this test until it has a PROBES row (tenancy.fixtures.ts); a new filter until
// FILTERS says how to aim it at another tenant; a new kind of resource until RESOURCES creates one.

/** Operations that need no key (everything else must answer 401 without one). */
const PUBLIC = new Set(['GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /v2', 'GET /v2/health/live', 'GET /v2/health/ready']);

interface Operation {
  id: string;
  method: string;
  path: string;
  secured: boolean;
  /** Query parameters that choose rows (QIDO's attribute keys included). */
  filters: string[];
}

type Spec = { paths: Record<string, Record<string, { security?: unknown[]; parameters?: { in: string; name: string }[] }>> };

function operationsOf(spec: Spec): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const filters = [...new Set([...query.filter((name) => !NOT_FILTERS.has(name)), ...(query.includes('fuzzymatching') ? QIDO_FILTERS : [])])];
      ops.push({ id: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, secured: Boolean(op.security?.length), filters: method === 'get' ? filters : [] });
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

interface Attack {
  name: 'another organization' | 'another project';
  auth: string;
  victim: Victim;
  /** A project-limited attacker may also be refused (403) an operation on its own organization. */
  mayBeForbidden: boolean;
}

describe('tenancy: every route in the OpenAPI document', () => {
  let gw: TestGateway;
  let ops: Operation[];
  const attacks = new Map<Attack['name'], Attack>();
  let orgAdmin: { auth: string; orgId: string; keyId: string };
  let attackerProject: { auth: string; keyId: string; projectId: string };

  async function victimOf(tag: string, projectId: string, uidRoot: string, extraTokens: string[]): Promise<Victim> {
    const created = new Map<string, string>();
    const key = await gw.key('tenancy-a', ['admin'], projectId);
    const victim: Victim = {
      orgId: orgAdmin.orgId, orgSlug: 'tenancy-a', projectId, tag, key,
      uids: { study: `${uidRoot}.1`, series: `${uidRoot}.2`, sop: `${uidRoot}.3` },
      tokens: new Set([...extraTokens, projectId, key.keyId, `${uidRoot}.1`, `${uidRoot}.2`, `${uidRoot}.3`, `${tag}-patient`, `${tag}-acc`]),
      async resource(kind) {
        const make = RESOURCES[kind];
        if (!make) throw new Error(`No RESOURCES["${kind}"] entry: add how to create one in the victim's project`);
        if (!created.has(kind)) created.set(kind, await make(gw, victim));
        victim.tokens.add(created.get(kind)!);
        return created.get(kind)!;
      },
    };
    for (const kind of Object.keys(RESOURCES)) await victim.resource(kind);
    // An audit trail in the victim's project, so audit routes have something they could leak.
    const read = await gw.app.inject({ url: `/v1/studies/${await victim.resource('study')}`, headers: { authorization: key.auth } });
    expect(read.statusCode).toBe(200);
    return victim;
  }

  async function send(op: Operation, probe: Probe, auth: string) {
    return gw.app.inject({ method: op.method as 'GET', url: urlOf(op, probe), payload: probe.payload as object, headers: { ...probe.headers, authorization: auth } });
  }

  function expectNoLeak(body: string, victim: Victim, what: string): void {
    for (const token of victim.tokens) expect(body.includes(token), `${what} leaked the victim's ${token}`).toBe(false);
  }

  beforeAll(async () => {
    gw = await createTestGateway();
    orgAdmin = await gw.key('tenancy-a', ['admin']);
    const projectA = await gw.project(orgAdmin.orgId, 'tenancy-a');
    const projectA2 = await gw.project(orgAdmin.orgId, 'tenancy-a2');
    const orgB = await gw.key('tenancy-b', ['admin']);
    attackerProject = { ...(await gw.key('tenancy-a', ['admin'], projectA)), projectId: projectA };
    // Some organization-wide history of A, by its org-wide key.
    await gw.app.inject({ method: 'POST', url: '/v1/projects', headers: { authorization: orgAdmin.auth }, payload: { slug: 'a-history', name: 'A' } });
    const victimOrg = await victimOf('tenancy-a', projectA, '2.25.1001', [orgAdmin.orgId, orgAdmin.keyId]);
    const victimProject = await victimOf('tenancy-a2', projectA2, '2.25.2001', []);
    attacks.set('another organization', { name: 'another organization', auth: orgB.auth, victim: victimOrg, mayBeForbidden: false });
    attacks.set('another project', { name: 'another project', auth: attackerProject.auth, victim: victimProject, mayBeForbidden: true });
    ops = operationsOf((await gw.app.inject({ url: '/openapi.json' })).json());
  });
  afterAll(async () => {
    await gw.close();
  });

  it('has a probe for every secured operation, a value for every filter, and no stale probes', () => {
    const secured = ops.filter((op) => op.secured).map((op) => op.id);
    const unsecured = ops.filter((op) => !op.secured).map((op) => op.id);
    expect(secured.filter((id) => !PROBES[id]), 'add a PROBES row for each of these routes').toEqual([]);
    expect(Object.keys(PROBES).filter((id) => !secured.includes(id)), 'remove PROBES rows of routes that no longer exist').toEqual([]);
    expect(unsecured.filter((id) => !PUBLIC.has(id)), 'routes without security must be listed in PUBLIC').toEqual([]);
    const unaimed = ops.flatMap((op) => op.filters.filter((f) => !FILTERS[f]).map((f) => `${op.id} ?${f}`));
    expect(unaimed, 'add a FILTERS value (or a NOT_FILTERS entry) for each of these query parameters').toEqual([]);
    expect(secured.length).toBeGreaterThanOrEqual(15);
    expect(ops.filter((op) => op.filters.length > 0).length).toBeGreaterThanOrEqual(5);
  });

  it('answers 401 in the error shape without a key', async () => {
    const victim = attacks.get('another organization')!.victim;
    for (const op of ops.filter((o) => o.secured)) {
      const probe = await PROBES[op.id]!(victim);
      const res = await gw.app.inject({ method: op.method as 'GET', url: urlOf(op, probe), payload: probe.payload as object, headers: probe.headers });
      expect({ op: op.id, status: res.statusCode, code: res.json().error?.code }).toEqual({ op: op.id, status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  for (const name of ['another organization', 'another project'] as const) {
    it(`never shows or changes the resources of ${name} through any route`, async () => {
      const { auth, victim, mayBeForbidden } = attacks.get(name)!;
      for (const op of ops.filter((o) => o.secured)) {
        const probe = await PROBES[op.id]!(victim);
        const res = await send(op, probe, auth);
        const namesVictim = [...victim.tokens].some((t) => JSON.stringify([probe.params ?? {}, probe.query ?? {}, probe.payload ?? {}]).includes(t));
        if (namesVictim) expect({ op: op.id, status: res.statusCode }).toEqual({ op: op.id, status: 404 });
        else expect({ op: op.id, allowed: res.statusCode < 300 || (mayBeForbidden && res.statusCode === 403) }).toEqual({ op: op.id, allowed: true });
        expectNoLeak(res.body, victim, op.id);
      }
      // And nothing of the victim changed.
      const project = await gw.db.prisma.project.findUniqueOrThrow({ where: { id: victim.projectId } });
      expect(project.name).toBe(victim.tag);
      expect((await gw.db.prisma.apiKey.findUniqueOrThrow({ where: { id: victim.key.keyId } })).revokedAt).toBeNull();
      expect((await gw.db.prisma.organization.findUniqueOrThrow({ where: { id: victim.orgId } })).name).toBe('TENANCY-A');
      expect(await gw.db.prisma.study.count({ where: { id: await victim.resource('study') } })).toBe(1);
      expect(await gw.db.prisma.instance.findUniqueOrThrow({ where: { id: await victim.resource('reviewInstance') } })).toMatchObject({ status: 'REJECTED', errorCode: 'BURNED_IN_REVIEW', burnedInApprovedBy: null });
      expect((await gw.db.prisma.modelVersion.findFirstOrThrow({ where: { model: { name: await victim.resource('model') } } })).status).toBe('DRAFT');
    });

    it(`never lists the rows of ${name}, whatever filter names them`, async () => {
      const { auth, victim } = attacks.get(name)!;
      for (const op of ops.filter((o) => o.secured && o.filters.length > 0)) {
        for (const filter of op.filters) {
          const probe = await PROBES[op.id]!(victim);
          const aimed = { ...probe, query: { ...probe.query, [filter]: await FILTERS[filter]!(victim) } };
          const res = await send(op, aimed, auth);
          const refused = /\{\w+\}/.test(op.path) || TENANT_FILTERS.has(filter);
          const what = `${op.id} ?${filter}`;
          if (refused) expect({ what, status: res.statusCode }).toEqual({ what, status: 404 });
          else expect({ what, ok: res.statusCode < 300 }).toEqual({ what, ok: true });
          expectNoLeak(res.body, victim, what);
        }
      }
    });
  }

  it('lets a project-limited key read and run organization-wide models but not change them', async () => {
    const shared = await gw.db.prisma.model.create({ data: { orgId: orgAdmin.orgId, projectId: null, name: 'tenancy-shared' } });
    await gw.db.prisma.modelVersion.create({ data: { orgId: orgAdmin.orgId, modelId: shared.id, version: '1', manifest: {}, objectPrefix: `models/${orgAdmin.orgId}/tenancy-shared/1` } });
    const as = (auth: string, method: 'GET' | 'POST', url: string, payload?: object) => gw.app.inject({ method, url, payload, headers: { authorization: auth } });
    expect((await as(attackerProject.auth, 'GET', '/v1/models/tenancy-shared')).statusCode).toBe(200);
    expect((await as(attackerProject.auth, 'GET', '/v1/models/tenancy-shared/versions')).statusCode).toBe(200);
    for (const action of ['release', 'retire']) {
      const res = await as(attackerProject.auth, 'POST', `/v1/models/tenancy-shared/versions/1/${action}`, { reason: 'not mine' });
      expect({ action, status: res.statusCode, code: res.json().error?.code }).toEqual({ action, status: 403, code: 'FORBIDDEN' });
    }
    const upload = await gw.app.inject({ method: 'POST', url: '/v1/models/tenancy-shared/versions', headers: { authorization: attackerProject.auth, 'content-type': 'application/gzip' }, payload: gzipSync(Buffer.alloc(1024)) }); // an empty tar
    expect(upload.statusCode).toBe(403);
    expect((await gw.db.prisma.modelVersion.findFirstOrThrow({ where: { modelId: shared.id } })).status).toBe('DRAFT');
    expect(await gw.db.prisma.modelVersion.count({ where: { modelId: shared.id } })).toBe(1);
    // The organization-wide key still can.
    expect((await as(orgAdmin.auth, 'POST', '/v1/models/tenancy-shared/versions/1/release', { reason: 'validated by the org', override: true })).statusCode).toBe(200);
  });

  it('shows a project-limited key its own project\'s audit events and nothing else', async () => {
    const victim = attacks.get('another project')!.victim;
    expect((await gw.app.inject({ url: '/v1/studies', headers: { authorization: attackerProject.auth } })).statusCode).toBe(200);
    const res = await gw.app.inject({ url: '/v1/audit/events?limit=500', headers: { authorization: attackerProject.auth } });
    const items = res.json().items as { actor: string; action: string }[];
    expect(items.some((e) => e.actor === attackerProject.keyId && e.action === 'study.list')).toBe(true);
    expect(items.filter((e) => e.actor === victim.key.keyId || e.actor === orgAdmin.keyId)).toEqual([]);
  });
});
