import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stagedInferenceId, stagingPrefix } from './inference.staging.ts';

describe('stagedInferenceId', () => {
  it('reads the inference id of keys stageInputs writes and nothing else', () => {
    const org = randomUUID();
    const id = randomUUID();
    expect(stagedInferenceId(`${stagingPrefix(org, id)}0.dcm`)).toBe(id);
    expect(stagedInferenceId(`${stagingPrefix(org, id)}12.dcm`)).toBe(id);
    expect(stagedInferenceId(`${stagingPrefix(org, id)}x.dcm`)).toBeUndefined();
    expect(stagedInferenceId(`inference-inputs/${id}/0.dcm`)).toBeUndefined();
    expect(stagedInferenceId(`quarantine/${org}/${id}/0.dcm`)).toBeUndefined();
  });
});
