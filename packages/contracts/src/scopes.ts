import { z } from 'zod';

/** Every API key scope. `admin` implies all others within the key's organization. */
export const SCOPES = [
  'studies:write',
  'studies:read',
  'models:read',
  'models:write',
  'inference:run',
  'finetune:write',
  'audit:read',
  'admin',
] as const;

export type Scope = (typeof SCOPES)[number];

export const ScopeSchema = z.enum(SCOPES);
