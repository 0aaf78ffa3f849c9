export { buildOrchestrator, storeEnv, trainerRuntime, type OrchestratorAppDeps } from './orchestrator.app.ts';
