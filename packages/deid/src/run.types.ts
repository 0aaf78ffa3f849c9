// State of one deidentify() call, threaded through the dataset walk.
import type { DicomDataset, DicomElement } from '@medgrade/dicom';
import type { Action } from './action.resolve.ts';
import type { IodKind } from './iod-types.ts';
import type { DeidOptions, SafePrivateTag } from './options.ts';
import type { PhiNeedles } from './phi.needles.ts';
import type { AttributeType } from './iod-types.ts';
import type { OptionColumn, ProfileRow } from './profile.types.ts';
import type { Sex } from './surrogate.ts';

export interface Run {
  readonly secret: Buffer;
  readonly options: DeidOptions;
  readonly enabled: ReadonlySet<OptionColumn>;
  /** resolveAction for `enabled`, memoized across files. */
  readonly resolve: (row: ProfileRow, type: AttributeType | undefined) => Action;
  readonly iod: IodKind;
  /** Patient sex from the input, for sex-consistent surrogate names. */
  readonly sex: Sex;
  /** Whole days added to every date of this patient (modified-dates option). */
  readonly shiftDays: number;
  /** Allow-listed private elements by group (Retain Safe Private). */
  readonly safePrivate: ReadonlyMap<number, readonly SafePrivateTag[]>;
  readonly needles: PhiNeedles;
  readonly uidCache: Map<string, string>;
  /** What each tag became (last occurrence wins; one tag gets one action per file in practice). */
  readonly actions: Map<number, Action>;
  /** Free text to clean once every needle of the file is known (C actions and cleaned sequences). */
  readonly toClean: { dataset: DicomDataset; element: DicomElement }[];
  /** Values this run wrote (surrogates, dummies): their tokens are expected in the output. */
  readonly generated: string[];
  /** Tags of C/K values emptied because they did not follow their attribute's grammar (well-formed.ts). */
  readonly malformed: number[];
  privateRemoved: number;
}
