import { parseArgs } from 'node:util';
import { TASKS, writeSyntheticStudies, type Task } from '@medgrade/synthetic';
import { UsageError, type Command } from '../command.ts';

function positiveInt(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${text ?? 'nothing'}`);
  return n;
}

/** `medgrade synth`: writes seeded synthetic CR studies plus labels.jsonl (a trainer manifest). */
export const synthCommand: Command = {
  usage: 'medgrade synth --out <dir> --count N --seed S [--task findings|pneumothorax] [--start I]',
  async run(args, { stdout, stderr }) {
    const { values } = parseArgs({
      args,
      options: { out: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' }, task: { type: 'string' }, start: { type: 'string' } },
    });
    if (!values.out) throw new UsageError('--out is required');
    const task = (values.task ?? 'findings') as Task;
    if (!TASKS.includes(task)) throw new UsageError(`--task must be one of ${TASKS.join(', ')}`);
    const count = positiveInt('count', values.count, 1);
    const started = Date.now();
    await writeSyntheticStudies({
      out: values.out,
      count,
      seed: positiveInt('seed', values.seed, 0),
      task,
      start: values.start === undefined ? 0 : positiveInt('start', values.start, 0),
    });
    stderr.write(`wrote ${count} ${task} studies in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    stdout.write(`${JSON.stringify({ out: values.out, count, task, labels: `${values.out}/labels.jsonl` })}\n`);
    return 0;
  },
};
