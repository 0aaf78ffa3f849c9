import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@medgrade/db';
import { newProjectSecretCiphertext } from '@medgrade/db';
import { describe, expect, it } from 'vitest';
import { cachedProjectDeidSettings } from './project.settings.ts';

const KEY = randomBytes(32);

/** A stand-in for the one Prisma call the loader makes, counting lookups; `fail` rejects the next ones. */
function fakePrisma(state: { calls: number; fail: boolean; found: boolean }): PrismaClient {
  const row = { deidOptions: {}, burnedInPolicy: 'FLAG', secretCiphertext: newProjectSecretCiphertext(KEY) };
  const findFirst = async () => {
    state.calls++;
    await new Promise((r) => setTimeout(r, 5));
    if (state.fail) throw new Error('database down');
    return state.found ? row : null;
  };
  return { project: { findFirst } } as unknown as PrismaClient;
}

describe('cachedProjectDeidSettings', () => {
  it('makes jobs that start together share one load', async () => {
    const state = { calls: 0, fail: false, found: true };
    const load = cachedProjectDeidSettings(fakePrisma(state), KEY);
    const all = await Promise.all(Array.from({ length: 16 }, () => load('p1')));
    expect(state.calls).toBe(1);
    expect(all.every((s) => s === all[0] && s.burnedInPolicy === 'flag' && s.secret.length >= 16)).toBe(true);
    await load('p2');
    expect(state.calls).toBe(2);
  });

  it('drops a failed or missing load so the next job tries again', async () => {
    const state = { calls: 0, fail: true, found: true };
    const load = cachedProjectDeidSettings(fakePrisma(state), KEY);
    await expect(load('p1')).rejects.toThrow('database down');
    state.fail = false;
    state.found = false;
    await expect(load('p1')).rejects.toThrow('project p1 not found');
    state.found = true;
    await expect(load('p1')).resolves.toMatchObject({ burnedInPolicy: 'flag' });
    expect(state.calls).toBe(3);
  });

  it('loads again once the TTL has passed', async () => {
    const state = { calls: 0, fail: false, found: true };
    const load = cachedProjectDeidSettings(fakePrisma(state), KEY, 0);
    await load('p1');
    await new Promise((r) => setTimeout(r, 2));
    await load('p1');
    expect(state.calls).toBe(2);
  });
});
