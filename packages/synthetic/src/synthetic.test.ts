import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDicom } from '@medgrade/dicom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from './prng.ts';
import { labelNames, reportSentence } from './findings.ts';
import { generateStudy } from './study.ts';
import { writeSyntheticStudies, type LabelRow } from './writer.ts';

describe('prng', () => {
  it('is reproducible per key and differs across keys', () => {
    const a = Array.from({ length: 5 }, createRng(7, 1).next);
    expect(Array.from({ length: 5 }, createRng(7, 1).next)).toEqual(a);
    expect(Array.from({ length: 5 }, createRng(7, 2).next)).not.toEqual(a);
    const mean = Array.from({ length: 20_000 }, createRng(3).normal).reduce((s, x) => s + x, 0) / 20_000;
    expect(Math.abs(mean)).toBeLessThan(0.03);
  });
});

describe('report sentence', () => {
  it('follows the fixed template', () => {
    expect(reportSentence({ cardiomegaly: true, opacities: ['right upper', 'left lower'], effusion: 'bilateral' })).toBe(
      'the heart is enlarged. opacities in the right upper and left lower zones. bilateral pleural effusions.',
    );
    expect(reportSentence({ cardiomegaly: false, opacities: [], effusion: 'none', pneumothorax: 'left' })).toBe(
      'the heart is normal in size. the lungs are clear. no pleural effusion. left pneumothorax.',
    );
  });
});

describe('generateStudy', () => {
  it('is deterministic given seed and index', () => {
    const a = generateStudy(11, 3, 'findings');
    const b = generateStudy(11, 3, 'findings');
    expect(b.report).toBe(a.report);
    expect(b.uids).toEqual(a.uids);
    expect(Buffer.from(b.pixels.buffer).equals(Buffer.from(a.pixels.buffer))).toBe(true);
    expect(generateStudy(12, 3, 'findings').uids.sop).not.toBe(a.uids.sop);
  });

  it('keeps pneumothorax out of the pretraining task', () => {
    const reports = Array.from({ length: 40 }, (_, i) => generateStudy(1, i, 'findings').report);
    expect(reports.some((r) => r.includes('pneumothorax'))).toBe(false);
    expect(generateStudy(1, 0, 'pneumothorax').report).toMatch(/pneumothorax\.$/);
    expect(labelNames('pneumothorax')).toContain('pneumothorax_left');
  });

  it('lets habitus shape the image: female thoraces are narrower on average', () => {
    const lungWidth = (sex: 'M' | 'F'): number => {
      const rows = Array.from({ length: 120 }, (_, i) => generateStudy(5, i, 'findings')).filter((s) => s.patient.sex === sex && s.site.id === 'northgate');
      const mid = (s: (typeof rows)[number]): number => {
        const row = s.pixels.subarray((s.rows / 2) * s.columns, (s.rows / 2 + 1) * s.columns);
        return row.filter((v) => v > 0.2 * 4095).length;
      };
      return rows.reduce((t, s) => t + mid(s), 0) / rows.length;
    };
    expect(lungWidth('F')).toBeLessThan(lungWidth('M'));
  }, 60_000);
});

describe('writeSyntheticStudies', () => {
  let dir: string;
  let rows: LabelRow[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'synth-'));
    rows = await writeSyntheticStudies({ out: dir, count: 6, seed: 2, task: 'pneumothorax' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes labels.jsonl rows matching the studies', () => {
    const lines = readFileSync(join(dir, 'labels.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as LabelRow)).toEqual(rows);
    expect(rows[0]?.report).toBe(generateStudy(2, 0, 'pneumothorax').report);
    expect(Object.keys(rows[0]?.labels ?? {})).toEqual(labelNames('pneumothorax'));
  });

  it('writes CR files that packages/dicom parses back to the generated values', () => {
    const study = generateStudy(2, 1, 'pneumothorax');
    const file = parseDicom(readFileSync(join(dir, '000001.dcm')));
    const ds = file.dataset;
    expect(ds.getString(0x00100010)).toBe(study.patient.name);
    expect(ds.getString(0x00080060)).toBe('CR');
    expect(ds.getNumber(0x00280010)).toBe(study.rows);
    expect(ds.getString(0x00280004)).toBe(study.site.photometric);
    expect(ds.getBytes(0x7fe00010)?.byteLength).toBe(study.rows * study.columns * 2);
  });

  it('validates against the CR Image IOD with dciodvfy', () => {
    for (const row of rows) {
      const run = spawnSync('dciodvfy', [join(dir, row.file)], { encoding: 'utf8' });
      expect(run.error).toBeUndefined();
      const out = `${run.stdout}${run.stderr}`;
      expect(out).toMatch(/CRImage/);
      expect(out).not.toMatch(/Error/);
    }
  }, 60_000);
});
