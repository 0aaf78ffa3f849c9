// Who may scrape /metrics (gateway and deid-worker): a Prometheus scraper presenting the configured
// METRICS_TOKEN. The gauges read every organization's rows, so the endpoint is never public; and
// what a scrape reads from Postgres or Redis is refreshed at most every METRICS_GAUGE_REFRESH_MS,
// so scraping (or hammering) /metrics cannot turn into a load on the database.
import { hash, timingSafeEqual } from 'node:crypto';

/** The answer to a scrape: serve it, 401 (missing or wrong token), or 404 (not served here). */
export type MetricsAccess = 'allowed' | 'unauthenticated' | 'not-served';

/**
 * Checks an Authorization header against the metrics token in constant time (both sides hashed
 * first, so neither length nor content leaks). Without a token, `openWithoutToken` decides:
 * true where the listener itself is private (the worker's loopback port, a developer machine).
 */
export function metricsAccess(token: string | undefined, openWithoutToken: boolean): (authorization: string | undefined) => MetricsAccess {
  if (!token) return () => (openWithoutToken ? 'allowed' : 'not-served');
  const expected = hash('sha256', `Bearer ${token}`, 'buffer');
  return (authorization) => {
    const given = hash('sha256', authorization ?? '', 'buffer');
    return timingSafeEqual(given, expected) ? 'allowed' : 'unauthenticated';
  };
}

/**
 * `load` run at most once per `intervalMs` (concurrent callers share one run; a failed run is
 * not kept, so the next call tries again). 0 runs it on every call.
 */
export function refreshedAtMost<T>(load: () => Promise<T>, intervalMs: number, now: () => number = Date.now): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (cached && t - cached.at < intervalMs) return cached.value;
    const value = load();
    const entry = { at: t, value };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}
