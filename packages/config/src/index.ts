export { loadConfig, childProcessEnv, ConfigError } from './config.load.ts';
export { ConfigSchema, INSECURE_DEV_KEY_LABEL, LOG_LEVELS, type Config, type ParsedConfig } from './config.schema.ts';
