import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiKeySchema, CreateApiKeyBodySchema, CreatedApiKeySchema, IdParamsSchema, NotFoundError, IdPageQuerySchema, pageOf } from '@medgrade/contracts';
import { toApiKeyDto } from './dto.ts';

export const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { apiKeys } = app;
  const tags = ['api-keys'];

  app.get('/v1/api-keys', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'apiKeys.list', summary: 'List the organization\'s API keys (never their secrets)', querystring: IdPageQuerySchema, response: { 200: pageOf(ApiKeySchema) } },
  }, async (request) => {
    const { limit, cursor } = request.query;
    const rows = await apiKeys.list(request.auth.orgId, { limit, cursor, projectId: request.auth.projectId });
    return { items: rows.map(toApiKeyDto), nextCursor: rows.length === limit ? rows.at(-1)!.id : null };
  });

  app.post('/v1/api-keys', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'apiKeys.create', summary: 'Create an API key; the key is in the response only', body: CreateApiKeyBodySchema, response: { 201: CreatedApiKeySchema } },
  }, async (request, reply) => {
    const { name, scopes, projectId, expiresAt } = request.body;
    // A project-bound admin can only mint keys for its own project.
    if (request.auth.projectId && projectId && projectId !== request.auth.projectId) throw new NotFoundError('Project');
    const created = await apiKeys.createAudited({
      orgId: request.auth.orgId,
      projectId: projectId ?? request.auth.projectId,
      name,
      scopes,
      expiresAt: expiresAt ? new Date(expiresAt) : null,
      createdBy: request.auth.keyId,
    }, (tx, row) => request.audit({ action: 'api_key.create', resourceType: 'api_key', resourceId: row.id, details: { prefix: row.prefix, scopes: row.scopes } }, tx));
    return reply.code(201).send({ ...toApiKeyDto(created.row), key: created.key });
  });

  app.get('/v1/api-keys/:id', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'apiKeys.get', summary: 'Get an API key', params: IdParamsSchema, response: { 200: ApiKeySchema } },
  }, async (request) => toApiKeyDto(await apiKeys.get(request.auth.orgId, request.params.id, request.auth.projectId)));

  app.delete('/v1/api-keys/:id', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'apiKeys.revoke', summary: 'Revoke an API key (effective at once)', params: IdParamsSchema, response: { 200: ApiKeySchema } },
  }, async (request) => {
    const where = { orgId: request.auth.orgId, id: request.params.id, projectId: request.auth.projectId };
    const revoked = await apiKeys.revokeAudited(where, (tx, row) => request.audit({ action: 'api_key.revoke', resourceType: 'api_key', resourceId: row.id, details: { prefix: row.prefix } }, tx));
    await app.announceRevocation(revoked.prefix);
    return toApiKeyDto(revoked);
  });
};
