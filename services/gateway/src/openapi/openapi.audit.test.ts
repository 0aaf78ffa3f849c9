import { beforeAll, describe, expect, it } from 'vitest';
import { documentProblems } from './openapi.audit.ts';
import { buildOpenApiDocument } from '../openapi.document.ts';

type Doc = Parameters<typeof documentProblems>[0];

describe('the OpenAPI document (offline, from every registered route)', () => {
  let document: Doc;
  beforeAll(async () => {
    document = (await buildOpenApiDocument()) as unknown as Doc;
  });

  it('gives every operation an operationId, tags, a summary, a request body where it takes one and described responses with schemas', () => {
    expect(documentProblems(document)).toEqual([]);
    const ids = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids).toContain('uploads.create');
    expect(ids).toContain('dicomweb.retrieveInstance');
    expect(ids.length).toBeGreaterThanOrEqual(56);
  });

  it('names what a new route lacks', () => {
    const broken = structuredClone(document);
    const op = broken.paths['/v1/uploads']!.post!;
    delete op.operationId;
    delete op.requestBody;
    op.tags = ['nowhere'];
    op.responses!['404'] = { description: 'Default Response', content: { 'application/json': { schema: { type: 'object' } } } };
    expect(documentProblems(broken)).toEqual([
      'POST /v1/uploads: set schema.operationId to <resource>.<verb> in lowerCamel (e.g. datasets.create), got none',
      'POST /v1/uploads: tag nowhere needs a row with a description in TAGS (plugins/docs.plugin.ts)',
      'POST /v1/uploads: declare the request body (schema.body, or schema.requestBody for a streamed one)',
      'POST /v1/uploads 404: describe the response',
      'POST /v1/uploads 404: error responses are application/json ErrorResponse',
    ]);
  });

  it('declares 404 on every operation that filters by a projectId query parameter (a project outside the key\'s scope)', () => {
    const filtered = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item)
      .filter(([, op]) => ((op as { parameters?: { name: string; in: string }[] }).parameters ?? []).some((p) => p.in === 'query' && p.name === 'projectId'))
      .map(([method, op]) => ({ operation: `${method.toUpperCase()} ${path}`, has404: '404' in (op.responses ?? {}) })));
    expect(filtered.map((f) => f.operation)).toEqual(expect.arrayContaining(['GET /v1/review', 'GET /v1/studies']));
    expect(filtered.filter((f) => !f.has404)).toEqual([]);
  });

  it('declares streamed uploads, binary retrievals, QIDO match keys and public routes', () => {
    const upload = document.paths['/v1/uploads']!.post!;
    expect(Object.keys(upload.requestBody!.content!)).toEqual(['multipart/form-data']);
    const stow = document.paths['/dicomweb/studies']!.post!;
    expect(Object.keys(stow.requestBody!.content!)).toEqual(['multipart/related; type="application/dicom"']);
    const instance = document.paths['/dicomweb/studies/{study}/series/{series}/instances/{sop}']!.get!;
    expect(instance.responses!['200']!.content!['multipart/related; type="application/dicom"']!.schema).toEqual({ type: 'string', format: 'binary' });
    expect(Object.keys(instance.responses!)).toEqual(expect.arrayContaining(['404', '406']));
    const rendered = document.paths['/dicomweb/studies/{study}/series/{series}/instances/{sop}/rendered']!.get!;
    expect(Object.keys(rendered.responses!['200']!.content!)).toEqual(['image/png', 'image/jpeg']);
    const search = document.paths['/dicomweb/studies']!.get! as { parameters: { name: string }[] };
    expect(search.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['PatientID', 'ModalitiesInStudy', 'StudyDate', 'includefield', 'limit']));
    expect(document.paths['/health/live']!.get!.security).toEqual([]);
  });
});
