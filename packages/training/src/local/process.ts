// Process identity that survives an orchestrator restart: pid@starttime. A pid alone can be reused
// by an unrelated process after the attempt ended; the kernel's start time (clock ticks since
// boot, /proc/<pid>/stat field 22) tells the two apart.
import { readdir, readFile } from 'node:fs/promises';

/** Start time of a live process, or null when it is gone (or a zombie waiting to be reaped). */
export async function processStartTime(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  return fields[19] ?? null;
}

export function formatProcessId(pid: number, startTime: string): string {
  return `${pid}@${startTime}`;
}

export function parseProcessId(externalId: string): { pid: number; startTime: string } {
  const [pid, startTime] = externalId.split('@');
  if (!pid || !startTime || !/^\d+$/.test(pid)) throw new Error(`not a local attempt id: ${externalId}`);
  return { pid: Number(pid), startTime };
}

/** True when the process named by pid@starttime is the one still running. */
export async function isSameProcessAlive(externalId: string): Promise<boolean> {
  const { pid, startTime } = parseProcessId(externalId);
  return (await processStartTime(pid)) === startTime;
}

/**
 * Live process-group leaders whose environment holds `name=value` (Linux /proc; processes whose
 * environ cannot be read are skipped). The local executor finds a trainer it started but did not
 * get to record this way: the attempt's exit-file path is in the trainer's environment.
 */
export async function groupLeadersWithEnv(name: string, value: string): Promise<number[]> {
  const entry = Buffer.from(`${name}=${value}\0`);
  const found: number[] = [];
  for (const dir of await readdir('/proc')) {
    if (!/^\d+$/.test(dir)) continue;
    const environ = await readFile(`/proc/${dir}/environ`).catch(() => null);
    if (!environ || !(environ.subarray(0, entry.length).equals(entry) || environ.includes(Buffer.concat([Buffer.of(0), entry])))) continue;
    const stat = await readFile(`/proc/${dir}/stat`, 'utf8').catch(() => null);
    const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields && fields[0] !== 'Z' && fields[2] === dir) found.push(Number(dir)); // field 5: process group
  }
  return found;
}
