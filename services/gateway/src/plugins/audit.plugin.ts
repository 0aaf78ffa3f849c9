import fp from 'fastify-plugin';
import { AuditLog } from '@medgrade/audit';
import type { FastifyRequest } from 'fastify';
import type { RequestAuditInput } from '../fastify.types.ts';

// `request.audit(...)` records an event as the caller, in the key's project for a project-limited
// key (else in the project the route names, if any): project-limited keys read only those. Routes record their own, specific events;
// as a safety net every successful mutating request that recorded nothing gets a generic event,
// so no write escapes the trail even on a route that forgot.

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const auditPlugin = fp(
  async (app) => {
    const auditLog = new AuditLog(app.deps.prisma, { anchorKey: app.deps.config.secrets.auditAnchorKeyBytes, previousAnchorKey: app.deps.config.secrets.auditAnchorKeyPreviousBytes });
    app.decorate('auditLog', auditLog);
    app.decorateRequest('audited', false);
    const asCaller = (request: FastifyRequest, input: RequestAuditInput) => ({ ...input, orgId: request.auth.orgId, projectId: request.auth.projectId ?? input.projectId ?? null, actor: request.auth.keyId, requestId: request.id });
    app.decorateRequest('audit', async function (this: FastifyRequest, input: RequestAuditInput, tx) {
      await auditLog.append(asCaller(this, input), tx);
      this.audited = true;
    });
    app.decorateRequest('auditOnce', async function (this: FastifyRequest, input: RequestAuditInput) {
      await auditLog.appendOnce(asCaller(this, input));
      this.audited = true;
    });

    // Callback style so the common case (a read, or a route that audited itself) costs no promise.
    app.addHook('onResponse', (request, reply, done) => {
      if (!MUTATING.has(request.method) || request.audited || !request.auth || reply.statusCode >= 400) return done();
      request
        .audit({ action: `http.${request.method.toLowerCase()}`, resourceType: 'route', resourceId: request.routeOptions.url ?? null, details: { status: reply.statusCode } })
        .catch((error: unknown) => request.log.error({ err: error }, 'audit append failed for a completed request'))
        .finally(() => done());
    });
  },
  { name: 'audit', dependencies: ['deps', 'auth'] },
);
