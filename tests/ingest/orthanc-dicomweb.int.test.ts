// Orthanc (Debian's orthanc + orthanc-dicomweb) as a real DICOMweb client of medgrade: it stores
// a study into the gateway with its STOW-RS client (73-character multipart boundaries), searches
// it with QIDO-RS and retrieves the de-identified instances back with WADO-RS. Orthanc runs as
// this test's own process on loopback, with its own ports, config and storage in a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestEnv, MULTI_SERIES_DIR, filesUnder, waitFinal, type IngestEnv } from './ingest.harness.ts';

const ORTHANC = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

async function waitUp(url: string, timeoutMs: number): Promise<void> {
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

/** Orthanc's rendering of a QIDO answer: each attribute's value as one string. */
type OrthancJson = Record<string, { Value?: string }>;

describe('Orthanc as a DICOMweb client of medgrade', () => {
  let env: IngestEnv;
  let orthanc: ChildProcess;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), 'orthanc-dicomweb-'));
  const files = filesUnder(MULTI_SERIES_DIR).slice(0, 4);
  const orthancPost = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', body: Buffer.isBuffer(body) ? body : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`Orthanc ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  };

  beforeAll(async () => {
    env = await createIngestEnv({ worker: true });
    const key = await env.gw.key('acme', ['studies:write', 'studies:read'], env.projectId);
    const gatewayUrl = await env.gw.app.listen({ host: '127.0.0.1', port: 0 });
    const port = await freePort();
    const config = {
      Name: 'medgrade-interop', StorageDirectory: join(dir, 'db'), IndexDirectory: join(dir, 'db'),
      HttpPort: port, RemoteAccessAllowed: false, AuthenticationEnabled: false, DicomServerEnabled: false,
      Plugins: [DICOMWEB_PLUGIN],
      DicomWeb: { Enable: true, Root: '/dicom-web/', Servers: { medgrade: { Url: `${gatewayUrl}/dicomweb/`, HttpHeaders: { Authorization: key.auth } } } },
    };
    writeFileSync(join(dir, 'orthanc.json'), JSON.stringify(config));
    orthanc = spawn(ORTHANC, [join(dir, 'orthanc.json')], { stdio: 'ignore' });
    base = `http://127.0.0.1:${port}`;
    await waitUp(`${base}/system`, 30_000);
    for (const file of files) await orthancPost('/instances', readFileSync(file));
  }, 120_000);

  afterAll(async () => {
    if (orthanc && orthanc.exitCode === null) {
      orthanc.kill('SIGTERM');
      await new Promise((r) => orthanc.once('exit', r));
    }
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores, searches and retrieves through Orthanc\'s DICOMweb client', async () => {
    const studies = (await (await fetch(`${base}/studies`)).json()) as string[];
    expect(studies.length).toBeGreaterThan(0);
    // STOW-RS from Orthanc into medgrade.
    await orthancPost('/dicom-web/servers/medgrade/stow', { Resources: studies });
    await waitFinal(env);
    const rows = await env.gw.db.prisma.instance.findMany({ where: { projectId: env.projectId } });
    expect(rows.map((r) => r.status)).toEqual(files.map(() => 'READY'));
    const deidStudies = [...new Set(rows.map((r) => r.studyInstanceUid!))];

    // QIDO-RS through Orthanc: the de-identified studies, and the instances of one.
    const found = (await orthancPost('/dicom-web/servers/medgrade/qido', { Uri: '/studies', Arguments: {} })) as OrthancJson[];
    expect(found.map((s) => s['0020000D']!.Value).sort()).toEqual(deidStudies.sort());
    const instances = (await orthancPost('/dicom-web/servers/medgrade/qido', { Uri: `/studies/${deidStudies[0]}/instances`, Arguments: {} })) as OrthancJson[];
    expect(instances.length).toBe(rows.filter((r) => r.studyInstanceUid === deidStudies[0]).length);

    // WADO-RS back into Orthanc: it now holds the de-identified instances too.
    await orthancPost('/dicom-web/servers/medgrade/retrieve', { Resources: deidStudies.map((Study) => ({ Study })) });
    for (const row of rows) {
      const hits = (await orthancPost('/tools/lookup', Buffer.from(row.sopInstanceUid!))) as { Type: string }[];
      expect(hits.map((h) => h.Type)).toEqual(['Instance']);
    }
  }, 120_000);
});
