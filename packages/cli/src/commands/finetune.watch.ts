// Following a fine-tuning job: pages through its event stream with the `after` cursor until the
// API says the job has ended. On a terminal a cli-progress bar shows step, loss, state and ETA;
// otherwise each event is one JSON line on stdout. The job as it ended is the last line.
import { setTimeout as sleep } from 'node:timers/promises';
import { Presets, SingleBar } from 'cli-progress';
import type { Medgrade } from '@medgrade/sdk';
import type { CommandContext } from '../command.ts';

/** The attempt runner's step budget when a job sets none (services/trainer attempt.py). */
const TRAINER_DEFAULT_STEPS = 200;
const FORMAT = '{bar} step {value}/{total} | loss {loss} | {state} | ETA {eta_formatted}';

interface JobEvent { seq: number; type: string; data: Record<string, unknown> }

function stepBar(stream: NodeJS.WriteStream, total: number) {
  const bar = new SingleBar({ stream, format: FORMAT, hideCursor: true, etaBuffer: 20, fps: 4, noTTYOutput: false }, Presets.shades_classic);
  bar.start(total, 0, { loss: '-', state: 'validating' });
  return {
    show(event: JobEvent): void {
      const { data } = event;
      if (event.type === 'state' && typeof data.to === 'string') bar.update({ state: data.to });
      if ((event.type === 'step' || event.type === 'resume') && typeof data.step === 'number') {
        bar.update(data.step, typeof data.loss === 'number' ? { loss: data.loss.toFixed(4) } : {});
      }
    },
    stop: () => bar.stop(),
  };
}

/** Follow job `id` to its end; resolves with the exit code (0 only when it succeeded). */
export async function followJob(mg: Medgrade, id: string, ctx: CommandContext, pollSeconds: number): Promise<number> {
  const { data: job } = await mg.finetuneJobs.get({ path: { id } });
  const steps = typeof job.hyperparameters.steps === 'number' ? job.hyperparameters.steps : TRAINER_DEFAULT_STEPS;
  const bar = ctx.progress ? stepBar(ctx.progress, steps) : undefined;
  let after = 0;
  for (;;) {
    const { data: page } = await mg.finetuneJobs.listEvents({ path: { id }, query: { after } });
    for (const event of page.items) {
      if (bar) bar.show(event);
      else ctx.stdout.write(`${JSON.stringify(event)}\n`);
    }
    after = page.next;
    if (page.finished) break;
    if (page.items.length === 0) await sleep(Math.max(0.1, pollSeconds) * 1000);
  }
  bar?.stop();
  const { data: ended } = await mg.finetuneJobs.get({ path: { id } });
  ctx.stdout.write(`${JSON.stringify(ended)}\n`);
  return ended.status === 'succeeded' ? 0 : 1;
}
