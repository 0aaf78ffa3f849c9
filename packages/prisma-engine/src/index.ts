export { chooseSchemaEngine, isEngineDownloadFailure, OFFLINE_ENGINE_BINARY, recordDownloadFailure, type EngineChoice } from './engine.resolve.ts';
