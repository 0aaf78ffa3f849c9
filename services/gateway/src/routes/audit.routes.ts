import { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ForbiddenError, AuditEventSchema, AuditQuerySchema, AuditVerifySchema, type AuditQuery } from '@medgrade/contracts';
import type { AuditFilter } from '@medgrade/audit';
import { toAuditEventDto } from './dto.ts';

function filterOf(query: Omit<AuditQuery, 'limit' | 'cursor'>): AuditFilter {
  return {
    action: query.action,
    resourceType: query.resourceType,
    resourceId: query.resourceId,
    actor: query.actor,
    since: query.since ? new Date(query.since) : undefined,
    until: query.until ? new Date(query.until) : undefined,
  };
}

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { auditLog } = app;
  const tags = ['audit'];
  const config = { scopes: ['audit:read' as const] };

  app.get('/v1/audit/events', {
    config,
    schema: {
      tags,
      operationId: 'auditEvents.list',
      summary: 'Search audit events, oldest first (a project-limited key sees its project\'s events only)',
      querystring: AuditQuerySchema,
      response: { 200: z.object({ items: z.array(AuditEventSchema), nextCursor: z.string().nullable() }) },
    },
  }, async (request) => {
    const { limit, cursor } = request.query;
    const rows = await auditLog.list(request.auth, filterOf(request.query), { limit, afterSeq: cursor ? BigInt(cursor) : undefined });
    return { items: rows.map(toAuditEventDto), nextCursor: rows.length === limit ? rows.at(-1)!.seq.toString() : null };
  });

  app.get('/v1/audit/events/export', {
    config,
    schema: {
      tags,
      operationId: 'auditEvents.export',
      summary: 'Export matching audit events as JSON lines',
      querystring: AuditQuerySchema.omit({ limit: true, cursor: true }),
      produces: ['application/x-ndjson'],
      // Declared in OpenAPI only (the body is streamed, not serialized through a schema).
      response: { 200: { description: 'One AuditEvent JSON object per line', content: { 'application/x-ndjson': { schema: z.string() } } } },
    },
  }, async (request, reply) => {
    const events = auditLog.stream(request.auth, filterOf(request.query));
    const lines = Readable.from((async function* () {
      for await (const event of events) yield `${JSON.stringify(toAuditEventDto(event))}\n`;
    })());
    return reply.type('application/x-ndjson').header('content-disposition', 'attachment; filename="audit-events.jsonl"').send(lines as unknown as string); // a stream; the schema types the OpenAPI body
  });

  app.get('/v1/audit/verify', {
    config,
    schema: { tags, operationId: 'auditEvents.verify', summary: 'Verify the organization\'s hash chain; reports the first broken event', response: { 200: AuditVerifySchema } },
  }, async (request) => {
    // The chain links every event of the organization: checking it reads them all.
    if (request.auth.projectId) throw new ForbiddenError('The audit chain is one per organization: verify it with an organization-wide key');
    const result = await auditLog.verify(request.auth.orgId);
    return { ...result, firstBroken: result.firstBroken ? { ...result.firstBroken, seq: result.firstBroken.seq.toString() } : null };
  });
};
