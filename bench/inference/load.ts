// Closed-loop load: `concurrency` workers each issue the next request as soon as their previous
// one finished, for `seconds`; every request's latency is recorded.

export interface Run {
  concurrency: number;
  latencies: number[];
  seconds: number;
}

export interface Summary {
  concurrency: number;
  count: number;
  p50: number;
  p99: number;
  throughput: number;
}

export async function loadGenerator(concurrency: number, seconds: number, call: (i: number) => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await call(next++);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { concurrency, latencies, seconds: (performance.now() - started) / 1000 };
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

export function summarize(run: Run): Summary {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  return { concurrency: run.concurrency, count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), throughput: sorted.length / run.seconds };
}
