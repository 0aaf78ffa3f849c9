export { loadConfigOrExit, serviceLogger } from './service.config.ts';
export { assertReady, objectStoreCheck, postgresCheck, redisCheck, type ReadinessCheck } from './readiness.ts';
export { closeOnSignal } from './shutdown.ts';
export { metricsAccess, refreshedAtMost, type MetricsAccess } from './metrics.access.ts';
