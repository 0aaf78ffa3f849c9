// Types shared by the generated Table E.1-1 (profile.generated.ts) and the engine.

/** Basic profile actions of PS3.15 Table E.1-1 (Table E.1-1a gives their meaning). */
export type BasicAction = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'Z/D' | 'X/Z' | 'X/D' | 'X/Z/D' | 'X/Z/U*';

/** Names of the option columns of Table E.1-1, as used in DeidOptions. */
export type OptionColumn =
  | 'retainSafePrivate'
  | 'retainUIDs'
  | 'retainDeviceIdentity'
  | 'retainInstitutionIdentity'
  | 'retainPatientCharacteristics'
  | 'retainLongitudinalFullDates'
  | 'retainLongitudinalModifiedDates'
  | 'cleanDescriptors'
  | 'cleanStructuredContent'
  | 'cleanGraphics';

/** An option column's action: keep, or clean (replace identifying content by a safe equivalent). */
export type OptionAction = 'K' | 'C';

/** [tag key (8 hex digits; x marks a repeating-group digit), basic action, option actions, name]. */
export type ProfileRow = readonly [string, BasicAction, Partial<Record<OptionColumn, OptionAction>>, string];
