import type { Scope } from '@medgrade/contracts';

/** Who is calling: set on every authenticated request as `request.auth`. */
export interface AuthContext {
  keyId: string;
  orgId: string;
  /** When set, the key reaches only this project's data. */
  projectId: string | null;
  scopes: Scope[];
}
