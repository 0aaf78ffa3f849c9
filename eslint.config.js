// Lint rules that keep the architecture honest: only one module touches each outside
// library (STYLE.md 17) and only packages/config reads process.env (STYLE.md 4).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const onlyIn = (name, owner) => ({
  name,
  message: `Only ${owner} may import ${name}; use its interface instead.`,
});

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/generated/**', 'packages/portal/dist/**', 'packages/portal/dist.building-*/**', 'packages/portal/dist.old-*/**', 'test-artifacts/**', 'data/**', 'services/trainer/**', 'model-bundles/**', 'bench/out/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            onlyIn('dicom-parser', 'packages/dicom'),
            onlyIn('onnxruntime-node', 'packages/model-runtime/src/ort-session.ts'),
            onlyIn('@aws-sdk/client-s3', 'packages/storage/src/s3.store.ts'),
            onlyIn('@aws-sdk/lib-storage', 'packages/storage/src/s3.store.ts'),
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @medgrade/config.' },
      ],
    },
  },
  // The developer portal runs in browsers (its tsconfig has the DOM library, not Node's).
  { files: ['packages/portal/src/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['packages/dicom/src/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['packages/model-runtime/src/ort-session.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['packages/storage/src/s3.store.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    // config is the reader of the environment; tests, benchmarks and scripts set up child processes.
    files: ['packages/config/src/**', '**/*.test.ts', 'bench/**', 'scripts/**', 'packages/*/scripts/**', 'tests/**', '*.config.ts', 'eslint.config.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Prisma's CLI spawns the offline schema engine with its own environment (DATABASE_URL): a
    // Prisma tool, not a medgrade service, so it reads its own two variables.
    files: ['packages/prisma-engine/src/main.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
