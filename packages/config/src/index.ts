export { loadConfig, childProcessEnv, ConfigError } from './config.load.ts';
export { ConfigSchema, INSECURE_DEV_KEY_LABEL, LOG_LEVELS, type Config } from './config.schema.ts';
export { projectSecretKeyBytes } from './secret-key.ts';
