// GET/PUT /v1/projects/{id}/deid-profile: the project's PS3.15 options and burned-in policy.
// Stored options are partial (deid's defaults fill the rest), so the response always shows the
// effective profile. The project secret is never part of it.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DeidProfileSchema, IdParamsSchema, NotFoundError, UpdateDeidProfileBodySchema } from '@medgrade/contracts';
import type { Prisma } from '@medgrade/db';
import { effectiveDeidOptions } from '@medgrade/deid/project';

export const deidProfileRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['projects'];
  const { projects } = app.repos;
  const effective = (stored: unknown) => {
    const options = effectiveDeidOptions(stored);
    return { ...options, retainSafePrivate: [...options.retainSafePrivate] };
  };

  app.get('/v1/projects/:id/deid-profile', {
    config: { scopes: [] },
    schema: { tags, operationId: 'deidProfiles.get', summary: 'The project\'s de-identification profile (options and burned-in policy)', params: IdParamsSchema, response: { 200: DeidProfileSchema } },
  }, async (request) => {
    const project = await projects.deidProfile(request.auth, request.params.id);
    if (!project) throw new NotFoundError('Project');
    return { options: effective(project.deidOptions), burnedInPolicy: project.burnedInPolicy };
  });

  app.put('/v1/projects/:id/deid-profile', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'deidProfiles.replace', summary: 'Change the project\'s de-identification profile (applies to new uploads)', params: IdParamsSchema, body: UpdateDeidProfileBodySchema, response: { 200: DeidProfileSchema } },
  }, async (request) => {
    const changed = await projects.updateDeidProfile(request.auth, request.params.id, (stored) => {
      const options = { ...effective(stored.deidOptions), ...(request.body.options ?? {}) };
      return { options, deidOptions: options as unknown as Prisma.InputJsonObject, burnedInPolicy: request.body.burnedInPolicy ?? stored.burnedInPolicy };
    }, (tx, project) => request.audit({ action: 'project.deid-profile.update', resourceType: 'project', resourceId: project.id, details: { options: request.body.options ?? {}, burnedInPolicy: project.burnedInPolicy } }, tx));
    if (!changed) throw new NotFoundError('Project');
    return { options: changed.options, burnedInPolicy: changed.burnedInPolicy };
  });
};
