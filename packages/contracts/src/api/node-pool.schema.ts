import { z } from 'zod';

// GPU node pools: where fine-tuning attempts run. Defined by the platform operator in a node pool
// file (JSON, read by the training orchestrator at start; README "Node pools"), never by tenants.
// Each pool names one executor and that executor's own settings, validated here per kind.

const NameSchema = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and -, at most 63 characters (a DNS label)');
/** A Kubernetes label key or value, or a Slurm word: no spaces, no shell metacharacters. */
const WordSchema = z.string().regex(/^[A-Za-z0-9._/-]{1,253}$/, 'letters, digits, . _ / - only');
const EnvKeySchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

export const SlurmPoolSettingsSchema = z
  .object({
    partition: WordSchema.describe('sbatch --partition'),
    account: WordSchema.optional().describe('sbatch --account'),
    qos: WordSchema.optional().describe('sbatch --qos'),
    gresType: WordSchema.optional().describe('GRES type: --gres=gpu:<type>:N (omit for --gres=gpu:N)'),
    cpusPerTask: z.int().min(1).max(1024).optional(),
    /** Seconds before the time limit at which Slurm sends SIGTERM (--signal=TERM@s) so the trainer checkpoints. */
    signalBeforeLimitSeconds: z.int().min(10).max(3600).default(120),
    /** Directory for per-attempt batch output, on a filesystem the submit host and the nodes share. */
    logDir: z.string().startsWith('/', 'an absolute path'),
  })
  .strict();

export const TolerationSchema = z
  .object({
    key: WordSchema.optional(),
    operator: z.enum(['Equal', 'Exists']).optional(),
    value: WordSchema.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  })
  .strict();

export const KubernetesPoolSettingsSchema = z
  .object({
    namespace: NameSchema,
    localQueue: NameSchema.describe('Kueue LocalQueue (label kueue.x-k8s.io/queue-name)'),
    priorityClass: NameSchema.optional().describe('Kueue WorkloadPriorityClass'),
    image: z.string().min(1).describe('the trainer image'),
    /** Secret holding the object-store settings (envFrom); never values in the pool file. */
    storeSecret: NameSchema,
    serviceAccount: NameSchema.optional(),
    nodeSelector: z.record(WordSchema, WordSchema).default({}),
    tolerations: z.array(TolerationSchema).default([]),
    cpu: z.string().regex(/^\d+(\.\d+)?m?$/).default('2'),
    memory: z.string().regex(/^\d+(Ki|Mi|Gi|Ti)?$/).default('8Gi'),
    /** An image that cannot be pulled for this long becomes a `node` failure (Kueue would wait forever). */
    imagePullFailSeconds: z.int().min(30).max(3600).default(300),
  })
  .strict();

const PoolBase = {
  name: NameSchema,
  gpuType: z.string().min(1).max(64).describe('e.g. a100-80g, l4, fake; cpu for a cpu pool'),
  gpusPerNode: z.int().min(0).max(64),
  /** GPUs the pool may hand out at once (the scheduler's capacity). */
  capacityGpus: z.int().min(0),
  spot: z.boolean().default(false),
};

export const NodePoolSchema = z
  .discriminatedUnion('executor', [
    z.object({ ...PoolBase, executor: z.literal('local') }).strict(),
    z.object({ ...PoolBase, executor: z.literal('slurm'), slurm: SlurmPoolSettingsSchema }).strict(),
    z.object({ ...PoolBase, executor: z.literal('kubernetes'), kubernetes: KubernetesPoolSettingsSchema }).strict(),
  ])
  .meta({ id: 'NodePool' });

export const NodePoolFileSchema = z
  .object({ nodePools: z.array(NodePoolSchema) })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.nodePools.forEach((pool, i) => {
      if (seen.has(pool.name)) ctx.addIssue({ code: 'custom', path: ['nodePools', i, 'name'], message: `duplicate node pool name ${pool.name}` });
      seen.add(pool.name);
    });
  });

export { EnvKeySchema as AttemptEnvKeySchema };

export type SlurmPoolSettings = z.infer<typeof SlurmPoolSettingsSchema>;
export type KubernetesPoolSettings = z.infer<typeof KubernetesPoolSettingsSchema>;
export type NodePool = z.infer<typeof NodePoolSchema>;
export type NodePoolFile = z.infer<typeof NodePoolFileSchema>;
