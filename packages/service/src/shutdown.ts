// Graceful stop of every service: on the first SIGTERM or SIGINT, drain (stop taking work, let
// active jobs and requests finish), close adapters, exit 0. A second signal is ignored, so a
// drain is never cut short by an impatient Ctrl-C twice (the orchestrator's kill timeout is the limit).
import type { Logger } from 'pino';

/** Registers the drain: close() runs once, on the first SIGTERM/SIGINT; the process then exits. */
export function closeOnSignal(log: Logger, service: string, close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, `${service} draining`);
    close().then(
      () => {
        log.info(`${service} stopped`);
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ code: (error as { code?: string }).code, msg: (error as Error).message }, `${service} did not close cleanly`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
