import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../command.ts';
import { UsageError } from '../command.ts';
import { synthCommand } from './synth.command.ts';

function context(): { ctx: CommandContext; out: string[] } {
  const out: string[] = [];
  // synth reads no configuration; a command context without it is enough here.
  const ctx = { config: {} as CommandContext['config'], stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => true } };
  return { ctx, out };
}

describe('medgrade synth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synth-cmd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the studies and labels.jsonl and prints one JSON line', async () => {
    const { ctx, out } = context();
    const code = await synthCommand.run(['--out', dir, '--count', '3', '--seed', '7', '--task', 'pneumothorax', '--start', '10'], ctx);
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['000010.dcm', '000011.dcm', '000012.dcm', 'labels.jsonl']);
    const rows = readFileSync(join(dir, 'labels.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { task: string });
    expect(rows.map((r) => r.task)).toEqual(['pneumothorax', 'pneumothorax', 'pneumothorax']);
    expect(JSON.parse(out.join(''))).toEqual({ out: dir, count: 3, task: 'pneumothorax', labels: `${dir}/labels.jsonl` });
  });

  it('rejects bad arguments with a usage error', async () => {
    const { ctx } = context();
    await expect(synthCommand.run(['--count', '3', '--seed', '1'], ctx)).rejects.toThrow(UsageError);
    await expect(synthCommand.run(['--out', dir, '--count', '0', '--seed', '1'], ctx)).rejects.toThrow(/--count must be an integer >= 1/);
    await expect(synthCommand.run(['--out', dir, '--count', '2', '--seed', '1', '--task', 'fracture'], ctx)).rejects.toThrow(/--task must be one of/);
  });
});
