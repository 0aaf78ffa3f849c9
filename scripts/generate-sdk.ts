// `pnpm generate:sdk`: the gateway's OpenAPI document, built offline from its routes (no server,
// no database), written to packages/sdk/openapi.json, then the TypeScript client generated from
// it by @hey-api/openapi-ts into packages/sdk/src/generated/. Both are committed; the freshness
// test (tests/sdk/sdk.fresh.test.ts) runs this into a temporary folder and fails on any
// difference. `--out <dir>` writes there instead of packages/sdk.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@hey-api/openapi-ts';
import { buildOpenApiDocument } from '../services/gateway/src/openapi.document.ts';

export const SDK_DIR = path.join(import.meta.dirname, '..', 'packages', 'sdk');

/** Write `<out>/openapi.json` and `<out>/src/generated/` from the gateway's routes. */
export async function generateSdk(out = SDK_DIR): Promise<void> {
  const document = await buildOpenApiDocument();
  const specPath = path.join(out, 'openapi.json');
  const generated = path.join(out, 'src', 'generated');
  await mkdir(out, { recursive: true });
  await writeFile(specPath, `${JSON.stringify(document, null, 2)}\n`);
  await rm(generated, { recursive: true, force: true });
  await createClient({
    input: specPath,
    // .ts import specifiers: Node runs the SDK's sources directly (type stripping), and tsc
    // rewrites them to .js when the package is built for publishing.
    output: { path: generated, importFileExtension: '.ts' },
    logs: { level: 'silent' },
    plugins: [
      // No base URL baked in (every caller names its gateway); errors are thrown, so a call's
      // `data` is typed without a check and MedgradeError (src/errors.ts) is what is caught.
      { name: '@hey-api/client-fetch', baseUrl: false, throwOnError: true },
      '@hey-api/typescript',
      // One class whose members follow the operationId rule: `uploads.create` → api.uploads.create().
      { name: '@hey-api/sdk', operations: { strategy: 'single', containerName: 'MedgradeApi', methods: 'instance', nesting: 'operationId' } },
    ],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  await generateSdk(values.out ? path.resolve(values.out) : SDK_DIR);
}
