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
  /** List instances held for burned-in review and decide them (approve keeps the pixel data). */
  'review:write',
  'admin',
] as const;

export type Scope = (typeof SCOPES)[number];

export const ScopeSchema = z.enum(SCOPES);
