// The upload progress bar (cli-progress) drawn on a terminal: files finished of all, bytes sent,
// READY / rejected / failed so far and the ETA cli-progress estimates from the finishing rate.
import { Presets, SingleBar } from 'cli-progress';
import { summarize, type FileProgress } from '@medgrade/sdk';

const FORMAT = '{bar} {value}/{total} files | {sent} of {size} sent | READY {ready} rejected {rejected} failed {failed} | ETA {eta_formatted}';

/** Bytes as B/kB/MB/GB, one decimal. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A bar over `files` on `stream`; feed it every FileProgress, stop it at the end. */
export function uploadBar(stream: NodeJS.WriteStream, files: readonly File[]) {
  const size = formatBytes(files.reduce((n, f) => n + f.size, 0));
  const finished = new Map<number, FileProgress>();
  let sent = 0;
  const bar = new SingleBar({ stream, format: FORMAT, hideCursor: true, etaBuffer: 50, fps: 8, noTTYOutput: false }, Presets.shades_classic);
  bar.start(files.length, 0, { sent: formatBytes(0), size, ready: 0, rejected: 0, failed: 0 });
  return {
    update(progress: FileProgress): void {
      if (progress.state === 'uploading') return;
      if (progress.state === 'received' || (progress.state === 'failed' && !finished.has(progress.index) && progress.error)) sent += progress.bytes;
      if (progress.state !== 'received') finished.set(progress.index, progress);
      const counts = summarize([...finished.values()]);
      bar.update(finished.size, { sent: formatBytes(sent), ready: counts.ready, rejected: counts.rejected, failed: counts.failed });
    },
    stop(): void {
      bar.stop();
    },
  };
}
