import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkNumber, deidKey, finetuneKeys, inferenceInputId, inferenceInputsPrefix, isDeidKeyOf, modelPrefix, modelVersionOfFile, modelVersionPrefix, quarantineInstanceId, quarantineKey } from './object-keys.ts';

describe('object keys', () => {
  it('reads the instance id only from keys intake writes', () => {
    const id = randomUUID();
    expect(quarantineInstanceId(quarantineKey('o', 'p', id))).toBe(id);
    expect(quarantineInstanceId(`quarantine/o/p/${id}.dcm`)).toBe(id);
    expect(quarantineInstanceId(`quarantine/o/${id}.dcm`)).toBeUndefined();
    expect(quarantineInstanceId(`quarantine/o/p/${id}.dcm.bak`)).toBeUndefined();
  });

  it('reads the inference id of keys stageInputs writes and nothing else', () => {
    const org = randomUUID();
    const id = randomUUID();
    expect(inferenceInputId(`${inferenceInputsPrefix(org, id)}0.dcm`)).toBe(id);
    expect(inferenceInputId(`${inferenceInputsPrefix(org, id)}12.dcm`)).toBe(id);
    expect(inferenceInputId(`${inferenceInputsPrefix(org, id)}x.dcm`)).toBeUndefined();
    expect(inferenceInputId(`inference-inputs/${id}/0.dcm`)).toBeUndefined();
    expect(inferenceInputId(`quarantine/${org}/${id}/0.dcm`)).toBeUndefined();
  });

  it('keeps de-identified keys under the organization and never confuses them with raw uploads', () => {
    const key = deidKey('o1', 'p', '2.25.1', '2.25.2', '2.25.3');
    expect(key).toBe('deid/o1/p/2.25.1/2.25.2/2.25.3.dcm');
    expect(isDeidKeyOf('o1', key)).toBe(true);
    expect(isDeidKeyOf('o', key)).toBe(false);
    expect(isDeidKeyOf('o1', quarantineKey('o1', 'p', 'i'))).toBe(false);
  });

  it('finds the version of a bundle file and nothing deeper', () => {
    const prefix = modelPrefix('o', 'tiny');
    expect(modelVersionPrefix('o', 'tiny', '2')).toBe('models/o/tiny/2');
    expect(modelVersionOfFile(prefix, 'models/o/tiny/2/manifest.json', 'manifest.json')).toBe('2');
    expect(modelVersionOfFile(prefix, 'models/o/tiny/2/x/manifest.json', 'manifest.json')).toBeUndefined();
    expect(modelVersionOfFile(prefix, 'models/o/tiny/2/model.onnx', 'manifest.json')).toBeUndefined();
    expect(modelVersionOfFile(prefix, 'models/o/tinier/2/manifest.json', 'manifest.json')).toBeUndefined();
  });

  it('lays out a fine-tune job and reads chunk numbers back from the keys it builds', () => {
    const keys = finetuneKeys('o', 'j');
    expect(keys.checkpoints).toBe('finetune/o/j/checkpoints/');
    expect(keys.model).toBe('finetune/o/j/model.pt');
    expect(keys.attempt(2)).toEqual({ prefix: 'finetune/o/j/attempts/2/', events: 'finetune/o/j/attempts/2/events/', log: 'finetune/o/j/attempts/2/log/' });
    expect(chunkNumber(`${keys.attempt(2).events}00000012.jsonl`)).toBe(12);
    expect(chunkNumber(`${keys.attempt(2).log}00000003.log`)).toBe(3);
    expect(chunkNumber(`${keys.attempt(2).events}12.jsonl`)).toBeNull();
  });
});
