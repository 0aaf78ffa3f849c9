import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { ConflictError, CreateProjectBodySchema, ForbiddenError, IdParamsSchema, NotFoundError, IdPageQuerySchema, ProjectSchema, UpdateProjectBodySchema, pageOf } from '@medgrade/contracts';
import { Prisma, newProjectSecretCiphertext } from '@medgrade/db';
import { toProjectDto } from './dto.ts';

export const projectRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config } = app.deps;
  const { projects } = app.repos;
  const secretKey = config.secrets.projectSecretKeyBytes;
  const tags = ['projects'];

  app.get('/v1/projects', {
    config: { scopes: [] },
    schema: { tags, operationId: 'projects.list', summary: 'List projects', querystring: IdPageQuerySchema, response: { 200: pageOf(ProjectSchema) } },
  }, async (request) => {
    const { limit, cursor } = request.query;
    const rows = await projects.list(request.auth, { limit, cursor });
    return { items: rows.map(toProjectDto), nextCursor: rows.length === limit ? rows.at(-1)!.id : null };
  });

  app.post('/v1/projects', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'projects.create', summary: 'Create a project (gets its own de-identification secret)', body: CreateProjectBodySchema, response: { 201: ProjectSchema } },
  }, async (request, reply) => {
    if (request.auth.projectId) throw new ForbiddenError('A project-bound key cannot create projects: use an organization-wide admin key');
    const { slug, name, burnedInPolicy } = request.body;
    const project = await projects.create(
      request.auth,
      { slug, name, burnedInPolicy, secretCiphertext: newProjectSecretCiphertext(secretKey) },
      (tx, created) => request.audit({ action: 'project.create', resourceType: 'project', resourceId: created.id, details: { slug } }, tx),
    ).catch((error: unknown) => {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new ConflictError(`A project with slug "${slug}" already exists`);
      throw error;
    });
    return reply.code(201).send(toProjectDto(project));
  });

  app.get('/v1/projects/:id', {
    config: { scopes: [] },
    schema: { tags, operationId: 'projects.get', summary: 'Get a project', params: IdParamsSchema, response: { 200: ProjectSchema } },
  }, async (request) => {
    const project = await projects.get(request.auth, request.params.id);
    if (!project) throw new NotFoundError('Project');
    return toProjectDto(project);
  });

  app.patch('/v1/projects/:id', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'projects.update', summary: 'Update a project', params: IdParamsSchema, body: UpdateProjectBodySchema, response: { 200: ProjectSchema } },
  }, async (request) => {
    const project = await projects.update(request.auth, request.params.id, request.body, (tx, updated) =>
      request.audit({ action: 'project.update', resourceType: 'project', resourceId: updated.id, details: { fields: Object.keys(request.body) } }, tx));
    if (!project) throw new NotFoundError('Project');
    return toProjectDto(project);
  });
};
