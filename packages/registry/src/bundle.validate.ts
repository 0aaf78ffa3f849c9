// Validation of an uploaded bundle before anything is stored: manifest schema, every listed
// file present with its SHA-256 and size, no unlisted files, and every ONNX graph's inputs and
// outputs against the manifest (by creating the sessions, exactly as the inference service will).
import { BundleInvalidError, MANIFEST_FILE, memoryReader, readVerifiedBundle, VisionLanguageModel, type Manifest } from '@medgrade/model-runtime';
import { UnprocessableError } from '@medgrade/contracts';

/** The verified manifest; throws UnprocessableError (422) listing every problem. */
export async function validateBundle(files: ReadonlyMap<string, Uint8Array>): Promise<Manifest> {
  try {
    const bundle = await readVerifiedBundle(memoryReader(files));
    const listed = new Set([MANIFEST_FILE, ...bundle.manifest.files.map((f) => f.path)]);
    const extra = [...files.keys()].filter((p) => !listed.has(p));
    if (extra.length) throw new BundleInvalidError(extra.map((p) => `${p} is not listed in manifest.files`));
    const model = await VisionLanguageModel.load(bundle);
    await model.release();
    return bundle.manifest;
  } catch (e) {
    if (e instanceof BundleInvalidError) throw new UnprocessableError('The model bundle is invalid: see details.problems', { problems: e.problems });
    throw e;
  }
}
