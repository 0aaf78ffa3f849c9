// `pnpm --silent medgrade <command>`: one map of commands. Add yours as
// src/commands/<name>.command.ts and one line below.
// Commands load on demand, so `medgrade --help` and each command import only what they use
// (the Prisma client, the AWS SDK and the DICOM engine cost most of a start).
import { UsageError, type Command } from './command.ts';

interface Entry {
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: Record<string, Entry> = {
  audit: { summary: 'anchor audit chains recorded before anchoring or under the previous key (verified first)', load: async () => (await import('./commands/audit.command.ts')).auditCommand },
  datasets: { summary: 'datasets, label import and snapshots through the gateway API', load: async () => (await import('./commands/datasets.command.ts')).datasetsCommand },
  deid: { summary: 'de-identify DICOM files and folders (PS3.15 profile + options) into --out', load: async () => (await import('./commands/deid.command.ts')).deidCommand },
  finetune: { summary: 'fine-tune a model on a dataset snapshot: create, watch, cancel, ls, show', load: async () => (await import('./commands/finetune.command.ts')).finetuneCommand },
  infer: { summary: 'run released models on a study and print the result (JSON)', load: async () => (await import('./commands/infer.command.ts')).inferCommand },
  keys: { summary: 'create or revoke API keys', load: async () => (await import('./commands/keys.command.ts')).keysCommand },
  login: { summary: 'store a gateway URL and API key for the client commands (checked first)', load: async () => (await import('./commands/login.command.ts')).loginCommand },
  migrate: { summary: 'create the database if missing and apply migrations (prisma migrate deploy)', load: async () => (await import('./commands/migrate.command.ts')).migrateCommand },
  models: { summary: 'register a model bundle through the gateway registry API', load: async () => (await import('./commands/models.command.ts')).modelsCommand },
  reindex: { summary: 'refresh the study index (Study/Series/Instance columns, sha256, size) from the stored de-identified objects', load: async () => (await import('./commands/reindex.command.ts')).reindexCommand },
  review: { summary: 'list instances held for burned-in review, approve or reject one (reason audited)', load: async () => (await import('./commands/review.command.ts')).reviewCommand },
  studies: { summary: 'list de-identified studies (JSON lines) through the API', load: async () => (await import('./commands/studies.command.ts')).studiesCommand },
  synth: { summary: 'write synthetic chest radiograph DICOM studies and labels.jsonl', load: async () => (await import('./commands/synth.command.ts')).synthCommand },
  upload: { summary: 'upload DICOM files, folders and zips; progress bar on a terminal, one JSON summary line', load: async () => (await import('./commands/upload.command.ts')).uploadCommand },
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: medgrade <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

/**
 * Errors whose message is meant for the user (config, domain and API errors). Their modules load
 * only here: the SDK and the contracts cost about half a second of start-up that `medgrade deid`
 * and other local commands never need.
 */
async function isReported(error: unknown): Promise<boolean> {
  const [{ ConfigError }, { AppError }, { MedgradeError }] = await Promise.all([import('@medgrade/config'), import('@medgrade/contracts'), import('@medgrade/sdk')]);
  return error instanceof ConfigError || error instanceof AppError || error instanceof MedgradeError;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`unknown command ${name}\n${help()}`);
    return 2;
  }
  const [command, { loadConfig }] = await Promise.all([entry.load(), import('@medgrade/config')]);
  try {
    return await command.run(args, { config: loadConfig(), stdout: process.stdout, stderr: process.stderr, ...(process.stderr.isTTY ? { progress: process.stderr } : {}) });
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`medgrade ${name}: ${(error as Error).message}\nusage:\n${command.usage}\n`);
      return 2;
    }
    if (await isReported(error)) {
      process.stderr.write(`medgrade ${name}: ${(error as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`medgrade ${name} failed: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
