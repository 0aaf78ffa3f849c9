import type { AuditLog, AuditInput } from '@medgrade/audit';
import type { ApiKeyService, AuthContext } from '@medgrade/auth';
import type { Prisma, Repositories } from '@medgrade/db';
import type { ModelRegistry } from '@medgrade/registry';
import type { Scope, StreamedRequestBody } from '@medgrade/contracts';
import type { Registry } from 'prom-client';
import type { GatewayDeps } from './deps.ts';

/** What a route records; org, actor and request id are filled from the request. */
export type RequestAuditInput = Omit<AuditInput, 'orgId' | 'actor' | 'requestId'>;

declare module 'fastify' {
  interface FastifySchema {
    /** A body the handler streams itself (multipart, DICOM, gzip): OpenAPI only, never validated. */
    requestBody?: StreamedRequestBody;
  }
  interface FastifyContextConfig {
    /** Scopes the caller's key needs; [] means any valid key. Required unless `public` or `anyScopes`. */
    scopes?: Scope[];
    /** The key needs at least one of these (besides every one of `scopes`); not empty. */
    anyScopes?: Scope[];
    /** No API key needed (health, metrics, docs). */
    public?: boolean;
    /** An upload: its bytes count against the key's and the process's budget of uploads in flight. */
    uploadBytes?: boolean;
  }
  interface FastifyInstance {
    deps: GatewayDeps;
    /** Data access: every read takes the caller's tenant scope (`request.auth`). */
    repos: Repositories;
    /** Models and versions (bundles need deps.store): every lookup takes the caller's scope. */
    registry: ModelRegistry;
    apiKeys: ApiKeyService;
    auditLog: AuditLog;
    /** Prometheus registry of this app: add your own metrics to it. */
    metricsRegistry: Registry;
  }
  interface FastifyRequest {
    /** The caller; set on every non-public route (a 401 is sent before handlers otherwise). */
    auth: AuthContext;
    /** Append an audit event for this request (pass `tx` to make it atomic with the change). */
    audit(input: RequestAuditInput, tx?: Prisma.TransactionClient): Promise<void>;
    /** Append it unless this key already has an event of the same action on the same resource (repeated reads). */
    auditOnce(input: RequestAuditInput): Promise<void>;
    audited: boolean;
  }
}
