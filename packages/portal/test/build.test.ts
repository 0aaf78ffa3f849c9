// The portal build as `pnpm start` runs it, inside the launcher's own process.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPortal } from '../scripts/build.ts';

const dir = mkdtempSync(join(tmpdir(), 'portal-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildPortal', () => {
  it('builds index.html and leaves the calling process without a NODE_ENV it did not have', async () => {
    const before = process.env.NODE_ENV;
    delete process.env.NODE_ENV; // as in `pnpm start` on a developer machine
    try {
      const result = await buildPortal({ force: true, dist: join(dir, 'dist') });
      expect(result).toEqual({ built: true, dir: join(dir, 'dist') });
      expect(existsSync(join(dir, 'dist', 'index.html'))).toBe(true);
      // Vite sets NODE_ENV=production when unset; every service `pnpm start` spawned inherited it
      // and refused the development secrets.
      expect(process.env.NODE_ENV).toBeUndefined();
      expect(await buildPortal({ dist: join(dir, 'dist') })).toEqual({ built: false, dir: join(dir, 'dist') });
    } finally {
      if (before !== undefined) process.env.NODE_ENV = before;
    }
  }, 120_000);
});
