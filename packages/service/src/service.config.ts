// The first two lines of every main.ts: the configuration (or the list of what to fix, and exit)
// and the process's logger.
import { ConfigError, loadConfig, type Config } from '@medgrade/config';
import { loggerOptions } from '@medgrade/contracts';
import { pino, type DestinationStream, type Logger } from 'pino';

type Env = Record<string, string | undefined>;

/** The configuration, or every bad variable with how to fix it on stderr and exit code 1 (no stack trace). */
export function loadConfigOrExit(env?: Env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** The service's pino logger (JSON lines, PHI redaction); stdout unless a destination is given. */
export function serviceLogger(service: string, config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = loggerOptions(service, config.logLevel);
  return destination ? pino(options, destination) : pino(options);
}
