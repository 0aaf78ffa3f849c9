// The command line Prisma's CLI gives its schema engine binary: `--datasource <json>`,
// `--datamodels <path>` (repeated), flags this engine ignores, and optionally `cli <command>`.

export interface EngineArgs {
  version: boolean;
  datasource: { url?: string; shadowDatabaseUrl?: string };
  datamodelPaths: string[];
  /** `cli <command>`: a one-shot database command instead of the JSON-RPC server. */
  cliCommand?: string;
}

const IGNORED_WITH_VALUE = new Set(['--enabled-preview-features', '--extension-types']);

/** Parse the engine's argv (without `node` and the script). */
export function parseEngineArgs(argv: readonly string[]): EngineArgs {
  const parsed: EngineArgs = { version: false, datasource: {}, datamodelPaths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--version' || arg === '-V') parsed.version = true;
    else if (arg === '--datasource') parsed.datasource = JSON.parse(argv[++i] ?? '{}') as EngineArgs['datasource'];
    else if (arg === '--datamodels') parsed.datamodelPaths.push(argv[++i] ?? '');
    else if (arg !== undefined && IGNORED_WITH_VALUE.has(arg)) i++;
    else if (arg === 'cli') {
      parsed.cliCommand = argv[i + 1];
      break;
    }
  }
  return parsed;
}
