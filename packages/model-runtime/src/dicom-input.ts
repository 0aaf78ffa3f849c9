// DICOM Part 10 bytes → model input: decode the first frame, check the modality, preprocess.
import { decodeFirstFrame, type PixelLimits } from '@medgrade/dicom/pixels';
import { ModelInputError } from './bundle.errors.ts';
import type { Manifest } from './manifest.schema.ts';
import { preprocessFrame } from './preprocess.ts';

/** `[C, H, W]` input for `manifest` from one DICOM instance (first frame). Throws PixelDecodeError (TOO_LARGE past `limits`) / ModelInputError. */
export function dicomToModelInput(bytes: Uint8Array, manifest: Pick<Manifest, 'input' | 'preprocessing' | 'name'>, limits: PixelLimits = {}): Float32Array {
  const { source, frame } = decodeFirstFrame(bytes, limits);
  const modality = source.modality;
  if (modality && !manifest.input.modality.includes(modality)) {
    throw new ModelInputError(`model ${manifest.name} takes modality ${manifest.input.modality.join(' or ')}, the instance is ${modality}`);
  }
  return preprocessFrame(frame, source, manifest);
}
