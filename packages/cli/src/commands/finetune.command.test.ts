import type { Medgrade } from '@medgrade/sdk';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../command.ts';
import { parseHyperparameters } from './finetune.command.ts';
import { followJob } from './finetune.watch.ts';

interface Page { items: { seq: number; type: string; attempt: null; data: Record<string, unknown>; createdAt: string }[]; next: number; finished: boolean }

/** A client whose event stream is served in the given pages; records each `after` asked for. */
function fakeClient(pages: Page[], finalStatus: string) {
  const asked: number[] = [];
  let gets = 0;
  const mg = {
    finetuneJobs: {
      get: async () => ({ data: { id: 'j1', status: gets++ === 0 ? 'queued' : finalStatus, hyperparameters: { steps: 10 } } }),
      listEvents: async ({ query }: { query: { after: number } }) => {
        asked.push(query.after);
        return { data: pages.shift() };
      },
    },
  } as unknown as Medgrade;
  return { mg, asked };
}

function context() {
  const lines: string[] = [];
  const ctx = { stdout: { write: (t: string) => lines.push(t) }, stderr: { write: () => true } } as unknown as CommandContext;
  return { ctx, lines };
}

const event = (seq: number, type: string, data: Record<string, unknown>) => ({ seq, type, attempt: null, data, createdAt: '2026-12-07T00:00:00.000Z' });

describe('medgrade finetune watch', () => {
  it('pages through the events with the cursor, prints each as a JSON line off a terminal, and ends with the job', async () => {
    const { mg, asked } = fakeClient([
      { items: [event(1, 'state', { from: null, to: 'validating' }), event(2, 'state', { from: 'validating', to: 'queued' })], next: 2, finished: false },
      { items: [], next: 2, finished: false },
      { items: [event(3, 'step', { step: 10, loss: 0.5 }), event(4, 'state', { from: 'evaluating', to: 'succeeded' })], next: 4, finished: true },
    ], 'succeeded');
    const { ctx, lines } = context();
    expect(await followJob(mg, 'j1', ctx, 0.01)).toBe(0);
    expect(asked).toEqual([0, 2, 2]);
    expect(lines.map((l) => JSON.parse(l).seq ?? JSON.parse(l).status)).toEqual([1, 2, 3, 4, 'succeeded']);
  });

  it('exits 1 when the job did not succeed', async () => {
    const { mg } = fakeClient([{ items: [event(1, 'state', { from: 'running', to: 'failed' })], next: 1, finished: true }], 'failed');
    expect(await followJob(mg, 'j1', context().ctx, 0.01)).toBe(1);
  });
});

describe('--hp', () => {
  it('reads KEY=NUMBER pairs and refuses anything else with the form to use', () => {
    expect(parseHyperparameters(['steps=50', 'lr=0.001'])).toEqual({ steps: 50, lr: 0.001 });
    expect(() => parseHyperparameters(['steps'])).toThrow(/KEY=NUMBER/);
    expect(() => parseHyperparameters(['lr=fast'])).toThrow(/KEY=NUMBER/);
    expect(() => parseHyperparameters(['a=1=2'])).toThrow(/KEY=NUMBER/);
  });
});
