import { describe, expect, it } from 'vitest';
import { findingsFromLabels, labelNames, labelVector, reportSentence, sampleFindings, TASKS } from './findings.ts';
import { createRng } from './prng.ts';

describe('findingsFromLabels', () => {
  it('inverts labelVector for every sampled study of both tasks (same canonical report)', () => {
    for (const task of TASKS) {
      const rng = createRng(11);
      for (let i = 0; i < 300; i++) {
        const f = sampleFindings(rng, task, 30 + (i % 60));
        const names = labelNames(task);
        const v = labelVector(f, task);
        const labels = Object.fromEntries(names.map((n, j) => [n, v[j]!]));
        expect(reportSentence(findingsFromLabels(labels)!)).toBe(reportSentence(f));
      }
    }
  });

  it('refuses label sets the template cannot say: another vocabulary, three opacities, both pneumothorax sides', () => {
    const base = Object.fromEntries(labelNames('findings').map((n) => [n, 0]));
    expect(findingsFromLabels({ ...base, extra: 1 })).toBeUndefined();
    expect(findingsFromLabels({ cardiomegaly: 1 })).toBeUndefined();
    expect(findingsFromLabels({ ...base, opacity_right_upper: 1, opacity_left_upper: 1, opacity_left_lower: 1 })).toBeUndefined();
    const ptx = Object.fromEntries(labelNames('pneumothorax').map((n) => [n, 0]));
    expect(findingsFromLabels({ ...ptx, pneumothorax_right: 1, pneumothorax_left: 1 })).toBeUndefined();
    expect(reportSentence(findingsFromLabels({ ...ptx, pneumothorax_left: 1 })!)).toContain('left pneumothorax.');
  });
});
