import { AppError } from '@medgrade/contracts';
import { describe, expect, it } from 'vitest';
import { nextStatus } from './version.transitions.ts';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? e.code : 'not an AppError';
  }
  return undefined;
};

describe('nextStatus', () => {
  it('releases a validated version without an override', () => {
    expect(nextStatus('release', 'VALIDATED')).toEqual({ to: 'RELEASED', override: false });
    expect(nextStatus('release', 'VALIDATED', true)).toEqual({ to: 'RELEASED', override: false });
  });

  it('refuses to release a draft unless overridden, and marks the override', () => {
    expect(code(() => nextStatus('release', 'DRAFT'))).toBe('MODEL_NOT_VALIDATED');
    expect(nextStatus('release', 'DRAFT', true)).toEqual({ to: 'RELEASED', override: true });
  });

  it('never releases a released or retired version again', () => {
    expect(code(() => nextStatus('release', 'RELEASED', true))).toBe('CONFLICT');
    expect(code(() => nextStatus('release', 'RETIRED', true))).toBe('CONFLICT');
  });

  it('retires any live version once', () => {
    for (const from of ['DRAFT', 'VALIDATED', 'RELEASED'] as const) expect(nextStatus('retire', from).to).toBe('RETIRED');
    expect(code(() => nextStatus('retire', 'RETIRED'))).toBe('CONFLICT');
  });
});
