import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

// config.anyScopes: GET /v1/uploads/{id} takes studies:read OR studies:write, so the uploader's
// write-only key can poll its own upload; a key with neither is refused, another org's is not found.

describe('any-of scopes (GET /v1/uploads/{id})', () => {
  let gw: TestGateway;
  let uploadId: string;
  let orgId: string;
  const get = (auth: string, id = uploadId) => gw.app.inject({ method: 'GET', url: `/v1/uploads/${id}`, headers: { authorization: auth } });

  beforeAll(async () => {
    gw = await createTestGateway();
    orgId = (await gw.key('acme', ['studies:write'])).orgId;
    const projectId = await gw.project(orgId, 'chest');
    uploadId = (await gw.db.prisma.upload.create({ data: { orgId, projectId } })).id;
  });
  afterAll(async () => gw?.close());

  it('lets a studies:write-only key, a studies:read key and an admin key poll the upload', async () => {
    for (const scopes of [['studies:write'], ['studies:read'], ['admin']] as const) {
      const res = await get((await gw.key('acme', [...scopes])).auth);
      expect({ scopes, status: res.statusCode }).toEqual({ scopes, status: 200 });
      expect(res.json()).toMatchObject({ uploadId, counts: {}, instances: [] });
    }
  });

  it('refuses a key with neither scope with 403 naming the scopes that would do', async () => {
    const res = await get((await gw.key('acme', ['models:read', 'inference:run'])).auth);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'This API key needs one of the scopes studies:read, studies:write',
      details: { anyOfScopes: ['studies:read', 'studies:write'] },
    });
  });

  it('keeps another organization\'s upload not found, whatever the scope', async () => {
    const other = await gw.key('other-org', ['studies:write']);
    const res = await get(other.auth);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toBe('Upload not found');
  });

  it('documents the scopes of each operation in OpenAPI', async () => {
    const spec = (await gw.app.inject({ url: '/openapi.json' })).json();
    expect(spec.paths['/v1/uploads/{id}'].get.description).toContain('Scopes needed: one of: studies:read, studies:write');
    expect(spec.paths['/v1/uploads'].post.description).toMatch(/\(INGEST_MAX_BACKLOG\)\.\n\nScopes needed: all of: studies:write /);
  });
});
