import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEngineArgs } from './args.ts';
import { chooseSchemaEngine, isEngineDownloadFailure, OFFLINE_ENGINE_BINARY, recordDownloadFailure } from './engine.resolve.ts';

describe('chooseSchemaEngine', () => {
  const emptyCheckout = () => mkdtempSync(path.join(tmpdir(), 'engine-choice-'));

  it('respects an engine the operator chose', () => {
    expect(chooseSchemaEngine(emptyCheckout(), { PRISMA_SCHEMA_ENGINE_BINARY: '/opt/engine' })).toEqual({ kind: 'explicit', binary: '/opt/engine' });
  });

  it('tries standard Prisma first, then stays offline for a day after a failed download', () => {
    const root = emptyCheckout();
    expect(chooseSchemaEngine(root, {})).toEqual({ kind: 'try-native' });
    recordDownloadFailure(root, 1_000);
    expect(chooseSchemaEngine(root, {}, 1_000 + 60_000)).toEqual({ kind: 'offline', binary: OFFLINE_ENGINE_BINARY });
    expect(chooseSchemaEngine(root, {}, 1_000 + 25 * 3600_000)).toEqual({ kind: 'try-native' });
  });

  it('uses standard Prisma when its native engine was downloaded', () => {
    const root = emptyCheckout();
    const engines = path.join(root, 'node_modules', 'prisma', 'node_modules', '@prisma', 'engines');
    mkdirSync(engines, { recursive: true });
    writeFileSync(path.join(root, 'package.json'), '{}');
    writeFileSync(path.join(root, 'node_modules', 'prisma', 'package.json'), '{"name":"prisma"}');
    writeFileSync(path.join(engines, 'package.json'), '{"name":"@prisma/engines"}');
    recordDownloadFailure(root);
    expect(chooseSchemaEngine(root, {}).kind).toBe('offline');
    writeFileSync(path.join(engines, 'schema-engine-debian-openssl-3.0.x'), '');
    expect(chooseSchemaEngine(root, {})).toEqual({ kind: 'native' });
  });
});

describe('isEngineDownloadFailure', () => {
  it('recognises a failed engine download, not a database error', () => {
    expect(isEngineDownloadFailure('Error: request to https://example.invalid/x/schema-engine.gz.sha256 failed, reason: getaddrinfo ENOTFOUND example.invalid')).toBe(true);
    expect(isEngineDownloadFailure("Error: P1001: Can't reach database server at `127.0.0.1:5432`")).toBe(false);
  });
});

describe('parseEngineArgs', () => {
  it('reads the datasource, every schema file and a cli command', () => {
    const args = parseEngineArgs(['--datasource', '{"url":"postgresql://a@h/db"}', '--datamodels', 'a.prisma', '--extension-types', '[]', '--datamodels', 'b.prisma', 'cli', 'create-database']);
    expect(args).toEqual({ version: false, datasource: { url: 'postgresql://a@h/db' }, datamodelPaths: ['a.prisma', 'b.prisma'], cliCommand: 'create-database' });
    expect(parseEngineArgs(['--version']).version).toBe(true);
  });
});
