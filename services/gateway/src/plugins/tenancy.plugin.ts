import fp from 'fastify-plugin';
import { NotFoundError } from '@medgrade/contracts';
import { projectInScope } from '@medgrade/db';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';

// Every route, whatever it does with it: a `projectId` named in the query string or the JSON body
// must be a project the key may name (its own for a project-limited key, one of its organization's
// otherwise), or the request answers 404 Project before the handler runs. Reads additionally AND the
// key's scope into every query (withinTenant in @medgrade/db), so a filter can narrow a key's view
// but never widen it; this hook makes a foreign project an error instead of an empty page.

function namedProjects(request: FastifyRequest): string[] {
  const named = [(request.query as { projectId?: unknown } | undefined)?.projectId];
  const body = request.body;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body)) named.push((body as { projectId?: unknown }).projectId);
  return [...new Set(named.filter((p): p is string => typeof p === 'string'))];
}

// Project ids are uuid columns: anything else names no project (and must not reach the query, where
// Postgres refuses the cast and the request became a 500; found by tests/reliability's fuzz).
const ProjectId = z.uuid();

export const tenancyPlugin = fp(
  async (app) => {
    const { projects } = app.repos;
    app.addHook('preHandler', async (request) => {
      if (!request.auth) return;
      for (const projectId of namedProjects(request)) {
        if (!ProjectId.safeParse(projectId).success || !projectInScope(request.auth, projectId)) throw new NotFoundError('Project');
        if (request.auth.projectId) continue;
        if (!(await projects.exists(request.auth, projectId))) throw new NotFoundError('Project');
      }
    });
  },
  { name: 'tenancy', dependencies: ['deps', 'auth'] },
);
