// `pnpm bench:finetune`: fine-tuning measured through the platform. One snapshot of synthetic
// pneumothorax studies (a finding the reference model never saw) is fine-tuned from the reference
// model by the training orchestrator (validation, admission, the local executor, attempt
// following, the evaluation gate) and, in the same run, by the bare trainer with the same
// hyperparameters, so the orchestration overhead is measured on identical work. A model trained
// from scratch on the same snapshot and budget is scored on the same sealed test split with the
// same bootstrap seed as the gate scores the candidate and its base. Then a preemptible job is
// preempted by an urgent one on the full pool and resumes from its checkpoint.
// Results: stdout and bench/out/finetune.json.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EvaluationReportSchema, ModelValidationSchema, type EvaluationReport } from '../../packages/contracts/src/index.ts';
import { materializeSplit } from '../../packages/training/src/index.ts';
import { REFERENCE, trainer } from '../../scripts/model-reference.ts';
import { startPlatform, type Platform } from './platform.ts';
import { comparisonTable, preemptionLines, seconds, target, type JobTimeline } from './report.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'bench/out/finetune');
const BASE = join(ROOT, 'model-bundles', REFERENCE.name, REFERENCE.version);
const PYTHON = process.env.MEDGRADE_PYTHON ?? '/usr/bin/python3';
const SEED = 1;

const { values: args } = parseArgs({
  options: {
    train: { type: 'string', default: '200' }, test: { type: 'string', default: '300' }, steps: { type: 'string', default: '300' },
    'batch-size': { type: 'string', default: '32' }, 'preempt-steps': { type: 'string', default: '200' },
  },
});
const n = (v: string | undefined): number => Number(v);
const hyper = { steps: n(args.steps), batchSize: n(args['batch-size']), lr: 1e-3, warmup: 30, checkpointEvery: 50, logEvery: 50 };

async function timeline(p: Platform, jobId: string, timeoutMs: number): Promise<JobTimeline> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await p.db.prisma.finetuneJob.findUniqueOrThrow({ where: { id: jobId } });
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      const events = await p.db.prisma.finetuneEvent.findMany({ where: { jobId }, orderBy: { seq: 'asc' } });
      return { job, events: events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, at: e.createdAt.getTime() })) };
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The preemption jobs measure scheduling, not quality: their gate lets any candidate through. */
const OPEN_GATE = { exactMatchMargin: 1, macroF1Margin: 1, maxFindingF1Drop: 1, maxSubgroupGapWidening: 1 };

const createJob = (p: Platform, priority: 'standard' | 'urgent' | 'preemptible', h: Record<string, number>, gate?: Record<string, number>) =>
  p.jobs.create(p.caller, { baseModel: 'medgrade-cxr-tiny@1', datasetSnapshotId: p.snapshot.id, method: 'full', hyperparameters: h, priority, seed: SEED, gpus: 1, ...(gate ? { gate } : {}) });

/** The bare trainer on the same snapshot (materialized locally first, not timed): the reference arm. */
async function bareArms(p: Platform): Promise<{ finetuneS: number; scratchS: number; scratch: EvaluationReport }> {
  const train = await materializeSplit(p.store, p.snapshot.trainKey, join(OUT, 'bare/train'));
  const test = await materializeSplit(p.store, p.snapshot.testKey, join(OUT, 'bare/test'));
  const common = ['--train', train.manifest, '--steps', String(hyper.steps), '--batch-size', String(hyper.batchSize), '--warmup', String(hyper.warmup),
    '--seed', String(SEED), '--log-every', String(hyper.logEvery), '--checkpoint-every', String(hyper.checkpointEvery)];
  const finetuneS = await trainer('finetune', [...common, '--out', join(OUT, 'bare/finetune'), '--base', BASE, '--method', 'full', '--lr', String(hyper.lr)]);
  const scratchS = await trainer('pretrain', [...common, '--out', join(OUT, 'bare/scratch'), '--lr', '3e-3']);
  const out = join(OUT, 'bare/scratch/test-evaluation.json');
  await trainer('evaluate', ['--model', join(OUT, 'bare/scratch/model.pt'), '--data', test.manifest, '--out', out, '--labels', 'data', '--seed', String(SEED), '--device', 'cpu']);
  return { finetuneS, scratchS, scratch: EvaluationReportSchema.parse(JSON.parse(await readFile(out, 'utf8'))) };
}

async function preemption(p: Platform): Promise<{ victim: JobTimeline; urgent: JobTimeline }> {
  const small = { ...hyper, steps: n(args['preempt-steps']), batchSize: 8, checkpointEvery: 10, logEvery: 5, warmup: 5 };
  const victim = await createJob(p, 'preemptible', small, OPEN_GATE);
  for (;;) {
    const row = await p.db.prisma.finetuneJob.findUniqueOrThrow({ where: { id: victim.id } });
    if (row.status === 'running' && (row.lastCheckpointStep ?? 0) >= 10) break;
    if (['succeeded', 'failed', 'cancelled'].includes(row.status)) throw new Error(`the preemptible job ended (${row.status}) before it could be preempted`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const urgent = await createJob(p, 'urgent', { ...small, steps: 10 }, OPEN_GATE);
  const urgentTimeline = await timeline(p, urgent.id, 900_000);
  return { victim: await timeline(p, victim.id, 900_000), urgent: urgentTimeline };
}

async function main(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const p = await startPlatform({ root: OUT, trainerRoot: ROOT, reference: BASE, train: n(args.train), test: n(args.test), python: PYTHON, minRunSeconds: 0 });
  try {
    const bare = await bareArms(p);
    const started = Date.now();
    const job = await createJob(p, 'standard', hyper);
    const platform = await timeline(p, job.id, 3_600_000);
    const version = platform.job.modelVersionId ?? (await p.db.prisma.modelVersion.findFirst({ where: { version: `ft-${job.id}` } }))?.id;
    const row = version ? await p.db.prisma.modelVersion.findUnique({ where: { id: version } }) : null;
    if (!row?.validation) throw new Error(`the job ended ${platform.job.status} (${platform.job.errorCode ?? ''} ${platform.job.errorMessage ?? ''}) without an evaluated version`);
    const validation = ModelValidationSchema.parse(row.validation);
    const pre = await preemption(p);
    const at = (t: JobTimeline, to: string, from = 0) => t.events.find((e, i) => i >= from && e.type === 'state' && e.data.to === to)?.at;
    const trainedAt = at(platform, 'evaluating') ?? Date.now();
    const wall = seconds(trainedAt - started);
    const overhead = (wall - bare.finetuneS) / bare.finetuneS;
    const queuedRunning = seconds((at(platform, 'running') ?? 0) - (at(platform, 'queued') ?? 0));
    const lines = [
      `fine-tuning on ${args.train} pneumothorax studies, ${hyper.steps} steps x ${hyper.batchSize}, scored on ${args.test} sealed test studies (bootstrap seed ${SEED})`,
      '',
      `orchestrated job: ${platform.job.status}${platform.job.errorCode ? ` (${platform.job.errorCode})` : ''}, version ${row.version} ${row.status.toLowerCase()}, gate ${validation.gate.passed ? 'passed' : 'failed'}`,
      ...validation.gate.checks.filter((c) => !c.passed).map((c) => `  gate check failed: ${c.name}: ${c.detail}`),
      `wall time to trained weights: orchestrated ${wall.toFixed(1)} s (validating ${seconds((at(platform, 'queued') ?? 0) - started).toFixed(1)} s) vs bare trainer ${bare.finetuneS.toFixed(1)} s`,
      target('orchestration overhead', `${(100 * overhead).toFixed(1)}%`, overhead <= 0.05, '<= 5%'),
      target('queued -> running on an idle pool', `${queuedRunning.toFixed(2)} s`, queuedRunning < 2, '< 2 s'),
      ...preemptionLines(pre.victim, pre.urgent),
      `evaluation (candidate + base + export + registry) ${seconds((at(platform, 'succeeded') ?? at(platform, 'failed') ?? trainedAt) - trainedAt).toFixed(1)} s; scratch arm ${bare.scratchS.toFixed(1)} s`,
      '',
      comparisonTable({ 'reference (no fine-tune)': validation.base, 'fine-tuned (platform)': validation.candidate, 'from scratch': bare.scratch }),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    await writeFile(join(ROOT, 'bench/out/finetune.json'), JSON.stringify({ args, hyper, bare, wall, overhead, queuedRunning, platform, preemption: pre, validation }, null, 2));
  } finally {
    await p.close();
  }
}

await main();
