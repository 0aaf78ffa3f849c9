export { buildApp, ROUTES } from './app.ts';
export type { GatewayDeps, ReadinessCheck } from './deps.ts';
