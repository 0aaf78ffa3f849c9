// Resolves Table E.1-1 into one simple action per attribute for the options and the IOD at hand.
import type { DeidOptions } from './options.ts';
import type { AttributeType } from './iod-types.ts';
import type { BasicAction, OptionAction, OptionColumn, ProfileRow } from './profile.types.ts';

/** A resolved action: D dummy, Z empty, X remove, K keep, C clean, U map UID(s). */
export type Action = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U';

/** Which option columns are enabled for these options. */
export function enabledColumns(options: DeidOptions): ReadonlySet<OptionColumn> {
  const on = new Set<OptionColumn>();
  if (options.retainSafePrivate.length > 0) on.add('retainSafePrivate');
  if (options.retainUIDs) on.add('retainUIDs');
  if (options.retainDeviceIdentity) on.add('retainDeviceIdentity');
  if (options.retainInstitutionIdentity) on.add('retainInstitutionIdentity');
  if (options.retainPatientCharacteristics) on.add('retainPatientCharacteristics');
  if (options.retainLongitudinalTemporal === 'full') on.add('retainLongitudinalFullDates');
  if (options.retainLongitudinalTemporal === 'modified') on.add('retainLongitudinalModifiedDates');
  if (options.cleanDescriptors) on.add('cleanDescriptors');
  if (options.cleanStructuredContent) on.add('cleanStructuredContent');
  if (options.cleanGraphics) on.add('cleanGraphics');
  return on;
}

/**
 * An enabled option overrides the basic action. When two enabled options disagree (Calibration
 * DateTime: Retain Device Identity K, Modified Dates C), C wins: it keeps the information in a
 * form known not to identify, which honours both.
 */
function optionOverride(row: ProfileRow, enabled: ReadonlySet<OptionColumn>): OptionAction | undefined {
  let result: OptionAction | undefined;
  for (const [column, action] of Object.entries(row[2]) as [OptionColumn, OptionAction][]) {
    if (!enabled.has(column)) continue;
    if (action === 'C') return 'C';
    result = action;
  }
  return result;
}

/**
 * Composite actions by Type (PS3.15 E.1.1): X unless Z (Type 2) or D/U (Type 1) is needed for IOD
 * conformance. Unknown type: keep the attribute present with a value carrying no identity
 * (D, or U for reference sequences): as private as removal, and conformant whatever the type.
 */
function byType(action: BasicAction, type: AttributeType | undefined): Action {
  switch (action) {
    case 'X/Z':
      return type === 3 ? 'X' : 'Z';
    case 'X/D':
      return type === 3 ? 'X' : 'D';
    case 'Z/D':
      return type === 2 || type === 3 ? 'Z' : 'D';
    case 'X/Z/D':
      return type === 3 ? 'X' : type === 2 ? 'Z' : 'D';
    case 'X/Z/U*':
      return type === 3 ? 'X' : type === 2 ? 'Z' : 'U';
    default:
      return action;
  }
}

/** The action for a Table E.1-1 row under these options and this attribute Type. */
export function resolveAction(row: ProfileRow, enabled: ReadonlySet<OptionColumn>, type: AttributeType | undefined): Action {
  return optionOverride(row, enabled) ?? byType(row[1], type);
}

// Resolution depends only on (option set, tag, type): memoized per option set across files, since
// a worker applies the same few project option sets to thousands of files.
const memoBySet = new Map<string, Map<string, Action>>();

/** A memoized resolveAction for one set of enabled option columns. */
export function actionResolver(enabled: ReadonlySet<OptionColumn>): (row: ProfileRow, type: AttributeType | undefined) => Action {
  const key = [...enabled].sort().join(',');
  let memo = memoBySet.get(key);
  if (memo === undefined) memoBySet.set(key, (memo = new Map()));
  const table = memo;
  return (row, type) => {
    const k = `${row[0]}:${type ?? '?'}`;
    let action = table.get(k);
    if (action === undefined) table.set(k, (action = resolveAction(row, enabled, type)));
    return action;
  };
}
