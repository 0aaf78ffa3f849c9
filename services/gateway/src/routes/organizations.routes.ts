import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ForbiddenError, IdParamsSchema, NotFoundError, ScopeSchema, OrganizationSchema, UpdateOrganizationBodySchema, pageOf } from '@medgrade/contracts';
import { toOrganizationDto } from './dto.ts';

// A key belongs to exactly one organization: the list holds that one, and any other id is 404.
// Organizations themselves are created by the operator (`medgrade keys create --org`).

export const organizationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { organizations } = app.repos;
  const tags = ['organizations'];

  app.get('/v1/me', {
    config: { scopes: [] },
    schema: {
      tags,
      operationId: 'me.get',
      summary: 'Who am I: the calling key, its organization, project and scopes',
      response: { 200: z.object({ keyId: z.uuid(), orgId: z.uuid(), projectId: z.uuid().nullable(), scopes: z.array(ScopeSchema) }) },
    },
  }, async (request) => request.auth);

  app.get('/v1/organizations', {
    config: { scopes: [] },
    schema: { tags, operationId: 'organizations.list', summary: 'The caller\'s organization (as a one-item list)', response: { 200: pageOf(OrganizationSchema) } },
  }, async (request) => {
    const org = await organizations.get(request.auth);
    return { items: org ? [toOrganizationDto(org)] : [], nextCursor: null };
  });

  app.get('/v1/organizations/:id', {
    config: { scopes: [] },
    schema: { tags, operationId: 'organizations.get', summary: 'Get an organization', params: IdParamsSchema, response: { 200: OrganizationSchema } },
  }, async (request) => {
    const org = await organizations.get(request.auth, request.params.id);
    if (!org) throw new NotFoundError('Organization');
    return toOrganizationDto(org);
  });

  app.patch('/v1/organizations/:id', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'organizations.update', summary: 'Rename an organization', params: IdParamsSchema, body: UpdateOrganizationBodySchema, response: { 200: OrganizationSchema } },
  }, async (request) => {
    if (request.params.id !== request.auth.orgId) throw new NotFoundError('Organization');
    if (request.auth.projectId) throw new ForbiddenError('A project-bound key cannot change its organization');
    const org = await organizations.rename(request.auth, request.params.id, request.body.name, (tx, updated) =>
      request.audit({ action: 'organization.update', resourceType: 'organization', resourceId: updated.id, details: { fields: ['name'] } }, tx));
    if (!org) throw new NotFoundError('Organization');
    return toOrganizationDto(org);
  });
};

