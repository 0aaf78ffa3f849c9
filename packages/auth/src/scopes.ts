import type { Scope } from '@medgrade/contracts';

/** True when the granted scopes cover every required one; `admin` covers all. */
export function hasScopes(granted: readonly string[], required: readonly Scope[]): boolean {
  if (granted.includes('admin')) return true;
  return required.every((scope) => granted.includes(scope));
}

/** Required scopes the caller lacks (for the 403 message). */
export function missingScopes(granted: readonly string[], required: readonly Scope[]): Scope[] {
  if (granted.includes('admin')) return [];
  return required.filter((scope) => !granted.includes(scope));
}
