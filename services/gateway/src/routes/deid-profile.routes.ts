// GET/PUT /v1/projects/{id}/deid-profile: the project's PS3.15 options and burned-in policy.
// Stored options are partial (deid's defaults fill the rest), so the response always shows the
// effective profile. The project secret is never part of it.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DeidProfileSchema, IdParamsSchema, NotFoundError, UpdateDeidProfileBodySchema } from '@medgrade/contracts';
import type { Prisma } from '@medgrade/db';
import { effectiveDeidOptions } from '@medgrade/deid/project';
import { projectWhere } from './projects.routes.ts';

export const deidProfileRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['projects'];
  const { prisma } = app.deps;
  const effective = (stored: unknown) => {
    const options = effectiveDeidOptions(stored);
    return { ...options, retainSafePrivate: [...options.retainSafePrivate] };
  };

  app.get('/v1/projects/:id/deid-profile', {
    config: { scopes: [] },
    schema: { tags, operationId: 'deidProfiles.get', summary: 'The project\'s de-identification profile (options and burned-in policy)', params: IdParamsSchema, response: { 200: DeidProfileSchema } },
  }, async (request) => {
    const project = await prisma.project.findFirst({ where: projectWhere(request.auth, request.params.id), select: { deidOptions: true, burnedInPolicy: true } });
    if (!project) throw new NotFoundError('Project');
    return { options: effective(project.deidOptions), burnedInPolicy: project.burnedInPolicy };
  });

  app.put('/v1/projects/:id/deid-profile', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'deidProfiles.replace', summary: 'Change the project\'s de-identification profile (applies to new uploads)', params: IdParamsSchema, body: UpdateDeidProfileBodySchema, response: { 200: DeidProfileSchema } },
  }, async (request) => {
    return prisma.$transaction(async (tx) => {
      const found = await tx.project.findFirst({ where: projectWhere(request.auth, request.params.id), select: { id: true, deidOptions: true, burnedInPolicy: true } });
      if (!found) throw new NotFoundError('Project');
      const options = { ...effective(found.deidOptions), ...(request.body.options ?? {}) };
      const burnedInPolicy = request.body.burnedInPolicy ?? found.burnedInPolicy;
      await tx.project.update({ where: { id: found.id }, data: { deidOptions: options as unknown as Prisma.InputJsonObject, burnedInPolicy } });
      await request.audit({ action: 'project.deid-profile.update', resourceType: 'project', resourceId: found.id, details: { options: Object.keys(request.body.options ?? {}), burnedInPolicy } }, tx);
      return { options, burnedInPolicy };
    });
  });
};
