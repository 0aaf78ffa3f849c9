export { BundleInvalidError, ModelInputError } from './bundle.errors.ts';
export {
  folderReader, memoryReader, missingRequiredFiles, parseManifest, readFolder, readVerifiedBundle, sha256Hex, MANIFEST_FILE,
  type BundleReader, type VerifiedBundle,
} from './bundle.loader.ts';
export { generateGreedy, type GenerationSpec } from './generate.ts';
export { graphProblems, type BundleGraphs, type GraphSignature } from './graph.check.ts';
export { classify, zeroShot, ZERO_SHOT_SCALE, type Scored } from './heads.ts';
export { ManifestSchema, TokenizerSchema, TASKS, type DecoderSpec, type Manifest, type Preprocessing, type TokenizerSpec } from './manifest.schema.ts';
export { availableExecutionProviders, createSession, defaultSessionOptions, type GraphValueInfo, type ModelSession, type SessionOptions, type TensorData } from './ort-session.ts';
export { applyWindow, chooseWindow, preprocessFrame, type FrameAttributes } from './preprocess.ts';
export { resizeBilinear } from '@medgrade/dicom/render';
export { WordTokenizer } from './tokenizer.ts';
export { VisionLanguageModel, type ModelRequest, type ModelResult } from './vision-language.model.ts';
export { dicomToModelInput } from './dicom-input.ts';
export { PixelDecodeError, type PixelErrorCode, type PixelLimits } from '@medgrade/dicom/pixels';
