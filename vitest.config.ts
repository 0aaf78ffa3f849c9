import { defineConfig } from 'vitest/config';

// Two tiers (STYLE.md 11): unit tests run beside the code with fakes; integration tests
// (*.int.test.ts) talk to the real Postgres, Redis and S3-protocol server.
// The tests run on a developer machine: they rely on the development secrets, which the
// configuration refuses without this switch (issue 14.6). Set here too so globalSetup and child
// processes see it.
const env = { MEDGRADE_DEV: '1' };
process.env.MEDGRADE_DEV ??= env.MEDGRADE_DEV;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'int',
          env,
          include: ['packages/*/src/**/*.int.test.ts', 'services/*/src/**/*.int.test.ts', 'packages/*/test/**/*.int.test.ts', 'services/*/test/**/*.int.test.ts', 'tests/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Migrates the template database each test file clones (packages/db createTestDatabase).
          globalSetup: ['packages/db/src/testing/global-setup.ts'],
        },
      },
    ],
  },
});
