import { describe, expect, it } from 'vitest';
import { executorForPool, parseNodePoolFile } from './node-pools.ts';
import type { Executor } from './executor.ts';

const file = {
  nodePools: [
    { name: 'cpu', executor: 'local', gpuType: 'cpu', gpusPerNode: 0, capacityGpus: 0 },
    { name: 'slurm-low', executor: 'slurm', gpuType: 'fake', gpusPerNode: 2, capacityGpus: 2, spot: true, slurm: { partition: 'low', gresType: 'fake', logDir: '/var/lib/medgrade-slurm/jobs' } },
    {
      name: 'a100',
      executor: 'kubernetes',
      gpuType: 'a100-80g',
      gpusPerNode: 8,
      capacityGpus: 16,
      kubernetes: { namespace: 'tenant-a', localQueue: 'training', image: 'registry.example.org/medgrade/trainer:0.1.0', storeSecret: 'medgrade-object-store' },
    },
  ],
};

describe('node pool file', () => {
  it('parses each kind with its settings and defaults', () => {
    const pools = parseNodePoolFile(JSON.stringify(file), 'pools.json');
    expect(pools.map((p) => [p.name, p.executor, p.spot])).toEqual([['cpu', 'local', false], ['slurm-low', 'slurm', true], ['a100', 'kubernetes', false]]);
    const slurm = pools[1];
    expect(slurm.executor === 'slurm' && slurm.slurm.signalBeforeLimitSeconds).toBe(120);
  });

  it('names every bad field at once', () => {
    const bad = { nodePools: [{ ...file.nodePools[1], slurm: { partition: 'low; rm -rf /', logDir: 'relative' } }, file.nodePools[1]] };
    const message = (() => {
      try {
        parseNodePoolFile(JSON.stringify(bad), 'pools.json');
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toContain('nodePools.0.slurm.partition');
    expect(message).toContain('nodePools.0.slurm.logDir: an absolute path');
    expect(message).toContain('nodePools.1.name: duplicate node pool name slurm-low');
    expect(() => parseNodePoolFile('{', 'pools.json')).toThrow(/pools.json is not JSON/);
  });

  it('builds the executor of each kind', () => {
    const local = { kind: 'local' } as Executor;
    const pools = parseNodePoolFile(JSON.stringify(file), 'pools.json');
    const adapters = { local: () => local, slurmCli: () => ({}) as never, kubeApi: () => ({}) as never };
    expect(pools.map((p) => executorForPool(p, adapters).kind)).toEqual(['local', 'slurm', 'kubernetes']);
  });
});
