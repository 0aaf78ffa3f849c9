import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { labelNames } from '@medgrade/synthetic';
import { buildSnapshot, type SnapshotSource } from './snapshot.build.ts';

const NAMES = labelNames('findings');

function source(i: number, over: Partial<SnapshotSource> = {}): SnapshotSource {
  const labels = Object.fromEntries(NAMES.map((n, j) => [n, ((i >> j) & 1) === 1 && !n.startsWith('opacity') ? 1 : 0])) as Record<string, 0 | 1>;
  return {
    studyId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, patientSurrogateId: `MG${Math.floor(i / 2)}`, sex: i % 2 ? 'F' : 'M', ageBand: '40-49',
    site: 'north', labels, report: null, imageKey: `deid/o/p/${i}.dcm`, burnedIn: false, ...over,
  };
}

describe('buildSnapshot', () => {
  const sources = Array.from({ length: 60 }, (_, i) => source(i));

  it('writes trainer manifest rows with the canonical report when none was imported, and a digest over the three files', () => {
    const built = buildSnapshot(sources, { val: 0.2, test: 0.2 }, 1);
    const first = JSON.parse(built.manifests.train.toString().split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['file', 'report', 'labels', 'sex', 'ageBand', 'site', 'studyId']);
    expect(first.report).toMatch(/^the heart is (enlarged|normal in size)\. the lungs are clear\./);
    expect(Object.keys(first.labels as object)).toEqual([...NAMES].sort());
    const files = (['train', 'val', 'test'] as const).map((s) => `${s} ${createHash('sha256').update(built.manifests[s]).digest('hex')}\n`).join('');
    expect(built.sha256).toBe(createHash('sha256').update(files).digest('hex'));
    expect(built.rows.train + built.rows.val + built.rows.test).toBe(60);
    expect(built.stats.test.patients).toBeGreaterThan(0);
  });

  it('is byte-identical for the same rows and seed in any order', () => {
    const a = buildSnapshot(sources, { val: 0.2, test: 0.2 }, 1);
    const b = buildSnapshot([...sources].reverse(), { val: 0.2, test: 0.2 }, 1);
    expect(b.sha256).toBe(a.sha256);
    expect(buildSnapshot(sources, { val: 0.2, test: 0.2 }, 2).sha256).not.toBe(a.sha256);
  });

  it('excludes studies flagged for burned-in text and studies without an image, and counts them', () => {
    const built = buildSnapshot([...sources, source(100, { burnedIn: true }), source(101, { imageKey: null })], { val: 0.2, test: 0.2 }, 1);
    expect(built.stats.excluded).toEqual({ burnedIn: 1, noImage: 1 });
    const all = Buffer.concat([built.manifests.train, built.manifests.val, built.manifests.test]).toString();
    expect(all).not.toContain('000000000100');
    expect(all).not.toContain('000000000101');
  });

  it('refuses rows without a report outside the canonical vocabulary, and mixed finding sets', () => {
    const odd = sources.map((s) => ({ ...s, labels: { pneumothorax: 1 as const } }));
    expect(() => buildSnapshot(odd, { val: 0.2, test: 0.2 }, 1)).toThrow(/needs a report/);
    expect(buildSnapshot(odd.map((s) => ({ ...s, report: 'no pneumothorax.' })), { val: 0.2, test: 0.2 }, 1).labelNames).toEqual(['pneumothorax']);
    const mixed = [...sources, source(200, { labels: { cardiomegaly: 1 } })];
    expect(() => buildSnapshot(mixed, { val: 0.2, test: 0.2 }, 1)).toThrow(/every finding/);
    expect(() => buildSnapshot([source(1, { burnedIn: true })], { val: 0.2, test: 0.2 }, 1)).toThrow(/no labelled study/);
  });
});
