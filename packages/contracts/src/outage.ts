// Which errors mean "a backing service is unreachable", not "this work is wrong": the gateway's
// error handler answers them 503 with Retry-After, and the training orchestrator waits them out
// instead of counting them against a job. One classifier, so both agree on what an outage is.

// Prisma: cannot reach / timed out / connection closed / pool timeout. Node sockets. Object stores
// answering 500/503 or throttling. ioredis with its connection gone.
const PRISMA_OUTAGE = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
const SOCKET_OUTAGE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const NAMED_OUTAGE = new Set(['PrismaClientInitializationError', 'ServiceUnavailable', 'SlowDown', 'InternalError', 'MaxRetriesPerRequestError', 'TimeoutError']);

/** True when the error (or one of its causes) says a database, queue or object store is unreachable, not that the request is wrong. */
export function isDependencyOutage(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const { code, $metadata } = e as { code?: unknown; $metadata?: { httpStatusCode?: number } };
    if (NAMED_OUTAGE.has(e.name)) return true;
    if (typeof code === 'string' && (PRISMA_OUTAGE.has(code) || SOCKET_OUTAGE.has(code))) return true;
    if ($metadata?.httpStatusCode !== undefined && $metadata.httpStatusCode >= 500) return true;
    if (e.message === 'Connection is closed.') return true; // ioredis, its connection lost
  }
  return false;
}
