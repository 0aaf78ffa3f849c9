// `medgrade upload <files, folders or .zip> [--project ID] [--concurrency N]`: uploads through the
// SDK (one request per file, retried on 429/503), waits until every instance is READY, REJECTED
// or FAILED, and prints one JSON line on stdout:
// {"files","ready","rejected","failed","duplicates","uploadIds"}. On a terminal a progress bar is
// drawn on stderr; each rejected or failed file gets a line on stderr with its reason. Exit 1
// when anything failed (an instance FAILED, or a file's request).
import { parseArgs } from 'node:util';
import { uploadFiles, type FileProgress } from '@medgrade/sdk';
import { expandPaths, fileFromPath } from '@medgrade/sdk/node';
import { UsageError, type Command } from '../command.ts';
import { connect } from '../client/credentials.ts';
import { uploadBar } from './upload.progress.ts';

function concurrencyOf(text: string | undefined): number {
  const n = Number(text ?? 4);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency must be an integer 1-64, got ${text}`);
  return n;
}

/** The stderr line for a file that did not end READY, or null. */
function problemLine(p: FileProgress): string | null {
  if (p.error) return `failed ${p.file.name}: ${p.error.code} ${p.error.message}`;
  const bad = p.instances.filter((i) => i.status === 'REJECTED' || i.status === 'FAILED');
  if (bad.length === 0) return null;
  return bad.map((i) => `${i.status.toLowerCase()} ${p.file.name}${i.fileName && i.fileName !== p.file.name ? ` (${i.fileName})` : ''}: ${i.errorCode ?? 'no reason given'}`).join('\n');
}

export const uploadCommand: Command = {
  usage: 'medgrade upload <files, folders or .zip ...> [--project ID] [--concurrency N (4)] [--url GATEWAY_URL]',
  async run(args, { config, stdout, stderr, progress }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { project: { type: 'string' }, concurrency: { type: 'string' }, url: { type: 'string' } } });
    if (positionals.length === 0) throw new UsageError('give one or more files, folders or .zip archives');
    const concurrency = concurrencyOf(values.concurrency);
    const mg = await connect(config, values.url);
    const files = await Promise.all((await expandPaths(positionals)).map(fileFromPath));
    if (files.length === 0) throw new UsageError('no files under the paths given');
    const bar = progress ? uploadBar(progress, files) : null;
    const summary = await uploadFiles(mg, files, {
      concurrency,
      ...(values.project ? { projectId: values.project } : {}),
      ...(bar ? { onProgress: (p: FileProgress) => bar.update(p) } : {}),
    });
    bar?.stop();
    for (const result of summary.results) {
      const line = problemLine(result);
      if (line) stderr.write(`${line}\n`);
    }
    const { files: count, ready, rejected, failed, duplicates, uploadIds } = summary;
    stdout.write(`${JSON.stringify({ files: count, ready, rejected, failed, duplicates, uploadIds })}\n`);
    return failed > 0 ? 1 : 0;
  },
};
