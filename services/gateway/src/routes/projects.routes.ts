import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { ConflictError, CreateProjectBodySchema, ForbiddenError, IdParamsSchema, NotFoundError, PageQuerySchema, ProjectSchema, UpdateProjectBodySchema, pageOf } from '@medgrade/contracts';
import { Prisma, newProjectSecretCiphertext } from '@medgrade/db';
import type { AuthContext } from '@medgrade/auth';
import { toProjectDto } from './dto.ts';

/** The projects a key may see: its organization's, or only its own project for a project key. */
export function projectWhere(auth: AuthContext, id?: string): Prisma.ProjectWhereInput {
  return { AND: [{ orgId: auth.orgId }, auth.projectId ? { id: auth.projectId } : {}, id ? { id } : {}] };
}

export const projectRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma, config } = app.deps;
  const secretKey = config.secrets.projectSecretKeyBytes;
  const tags = ['projects'];

  app.get('/v1/projects', {
    config: { scopes: [] },
    schema: { tags, operationId: 'projects.list', summary: 'List projects', querystring: PageQuerySchema, response: { 200: pageOf(ProjectSchema) } },
  }, async (request) => {
    const { limit, cursor } = request.query;
    const rows = await prisma.project.findMany({
      where: { AND: [projectWhere(request.auth), cursor ? { id: { gt: cursor } } : {}] },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return { items: rows.map(toProjectDto), nextCursor: rows.length === limit ? rows.at(-1)!.id : null };
  });

  app.post('/v1/projects', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'projects.create', summary: 'Create a project (gets its own de-identification secret)', body: CreateProjectBodySchema, response: { 201: ProjectSchema } },
  }, async (request, reply) => {
    if (request.auth.projectId) throw new ForbiddenError('A project-bound key cannot create projects: use an organization-wide admin key');
    const { slug, name, burnedInPolicy } = request.body;
    const project = await prisma.$transaction(async (tx) => {
      const created = await tx.project.create({
        data: { orgId: request.auth.orgId, slug, name, burnedInPolicy, secretCiphertext: newProjectSecretCiphertext(secretKey) },
      }).catch((error: unknown) => {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new ConflictError(`A project with slug "${slug}" already exists`);
        throw error;
      });
      await request.audit({ action: 'project.create', resourceType: 'project', resourceId: created.id, details: { slug } }, tx);
      return created;
    });
    return reply.code(201).send(toProjectDto(project));
  });

  app.get('/v1/projects/:id', {
    config: { scopes: [] },
    schema: { tags, operationId: 'projects.get', summary: 'Get a project', params: IdParamsSchema, response: { 200: ProjectSchema } },
  }, async (request) => {
    const project = await prisma.project.findFirst({ where: projectWhere(request.auth, request.params.id) });
    if (!project) throw new NotFoundError('Project');
    return toProjectDto(project);
  });

  app.patch('/v1/projects/:id', {
    config: { scopes: ['admin'] },
    schema: { tags, operationId: 'projects.update', summary: 'Update a project', params: IdParamsSchema, body: UpdateProjectBodySchema, response: { 200: ProjectSchema } },
  }, async (request) => {
    const project = await prisma.$transaction(async (tx) => {
      const found = await tx.project.findFirst({ where: projectWhere(request.auth, request.params.id), select: { id: true } });
      if (!found) throw new NotFoundError('Project');
      const updated = await tx.project.update({ where: { id: found.id }, data: request.body });
      await request.audit({ action: 'project.update', resourceType: 'project', resourceId: found.id, details: { fields: Object.keys(request.body) } }, tx);
      return updated;
    });
    return toProjectDto(project);
  });
};
