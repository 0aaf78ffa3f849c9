import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '@medgrade/config';
import { loggerOptions } from '@medgrade/contracts';

/** The gateway's pino logger (JSON lines, redaction); stdout unless a destination is given. */
export function createLogger(config: Config, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions('gateway', config.logLevel), destination) : pino(loggerOptions('gateway', config.logLevel));
}
