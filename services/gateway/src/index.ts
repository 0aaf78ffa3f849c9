export { buildApp } from './app.ts';
export type { GatewayDeps, ReadinessCheck } from './deps.ts';
