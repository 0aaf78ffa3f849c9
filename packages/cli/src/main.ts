// `pnpm --silent medgrade <command>`: one map of commands. Add yours as
// src/commands/<name>.command.ts and one line below.
import { ConfigError, loadConfig } from '@medgrade/config';
import { AppError } from '@medgrade/contracts';
import { MedgradeError } from '@medgrade/sdk';
import { UsageError, type Command } from './command.ts';
import { datasetsCommand } from './commands/datasets.command.ts';
import { deidCommand } from './commands/deid.command.ts';
import { finetuneCommand } from './commands/finetune.command.ts';
import { inferCommand } from './commands/infer.command.ts';
import { loginCommand } from './commands/login.command.ts';
import { studiesCommand } from './commands/studies.command.ts';
import { uploadCommand } from './commands/upload.command.ts';
import { keysCommand } from './commands/keys.command.ts';
import { migrateCommand } from './commands/migrate.command.ts';
import { modelsCommand } from './commands/models.command.ts';
import { reindexCommand } from './commands/reindex.command.ts';
import { synthCommand } from './commands/synth.command.ts';

export const COMMANDS: Record<string, Command> = {
  datasets: datasetsCommand,
  deid: deidCommand,
  finetune: finetuneCommand,
  infer: inferCommand,
  keys: keysCommand,
  login: loginCommand,
  migrate: migrateCommand,
  models: modelsCommand,
  reindex: reindexCommand,
  studies: studiesCommand,
  synth: synthCommand,
  upload: uploadCommand,
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: medgrade <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`unknown command ${name}\n${help()}`);
    return 2;
  }
  try {
    return await command.run(args, { config: loadConfig(), stdout: process.stdout, stderr: process.stderr, ...(process.stderr.isTTY ? { progress: process.stderr } : {}) });
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`medgrade ${name}: ${(error as Error).message}\nusage:\n${command.usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof AppError || error instanceof MedgradeError) {
      process.stderr.write(`medgrade ${name}: ${(error as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`medgrade ${name} failed: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
