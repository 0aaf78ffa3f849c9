// The named peer: Orthanc (Debian package) on loopback with its own temp config and storage.
// Its rate = N instances from the first upload byte (REST POST /instances) to the end of the
// study anonymization job (which writes anonymized copies, as our pipeline writes deid/ objects).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Runs `task` over items with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

async function waitHttp(url: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - start > timeoutMs) throw new Error(`${url} did not come up in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitJob(base: string, jobId: string): Promise<void> {
  for (;;) {
    const job = (await (await fetch(`${base}/jobs/${jobId}`)).json()) as { State: string };
    if (job.State === 'Success') return;
    if (job.State === 'Failure') throw new Error('Orthanc anonymization job failed');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Uploads the files to a fresh Orthanc and anonymizes the resulting studies; returns seconds. */
export async function runOrthanc(files: Buffer[], concurrency: number): Promise<{ seconds: number; uploadSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'medgrade-orthanc-'));
  const port = await freePort();
  const config = {
    Name: 'medgrade-bench', StorageDirectory: join(dir, 'db'), IndexDirectory: join(dir, 'db'),
    HttpPort: port, RemoteAccessAllowed: false, AuthenticationEnabled: false, DicomServerEnabled: false,
    Plugins: [], StorageCompression: false, HttpThreadsCount: 50, ConcurrentJobs: 2, KeepAlive: true,
  };
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify(config));
  const child: ChildProcess = spawn('/usr/sbin/Orthanc', [join(dir, 'orthanc.json')], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${base}/system`, 30_000);
    const studies = new Set<string>();
    const start = performance.now();
    await pool(files, concurrency, async (file) => {
      const res = await fetch(`${base}/instances`, { method: 'POST', body: file, headers: { 'content-type': 'application/dicom' } });
      if (!res.ok) throw new Error(`Orthanc refused an instance (${res.status})`);
      studies.add(((await res.json()) as { ParentStudy: string }).ParentStudy);
    });
    const uploadSeconds = (performance.now() - start) / 1000;
    for (const study of studies) {
      const res = await fetch(`${base}/studies/${study}/anonymize`, { method: 'POST', body: JSON.stringify({ Asynchronous: true }) });
      await waitJob(base, ((await res.json()) as { ID: string }).ID);
    }
    return { seconds: (performance.now() - start) / 1000, uploadSeconds };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
