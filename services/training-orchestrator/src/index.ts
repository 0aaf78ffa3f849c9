export { buildOrchestrator, storeCredentials, storeEnv, trainerRuntime, type OrchestratorAppDeps } from './orchestrator.app.ts';
