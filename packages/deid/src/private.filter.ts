// Private attributes (odd groups): removed (Table E.1-1 "X"), except allow-listed elements under
// Retain Safe Private, which are identified by (group, private creator, element byte) because the
// block number a creator gets differs from file to file.
import type { DicomDataset, DicomElement } from '@medgrade/dicom';
import type { SafePrivateTag } from './options.ts';
import type { Run } from './run.types.ts';

function isPrivate(tag: number): boolean {
  return ((tag >>> 16) & 1) === 1;
}

/** Creator strings by block byte for one odd group of a data set. */
function creators(ds: DicomDataset, group: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of ds.elements) {
    const el = e.tag & 0xffff;
    if (e.tag >>> 16 === group && el >= 0x10 && el <= 0xff) out.set(el, ds.elementString(e).trim());
  }
  return out;
}

function allowed(e: DicomElement, blocks: Map<number, string>, list: readonly SafePrivateTag[]): boolean {
  const el = e.tag & 0xffff;
  if (el < 0x1000) return false;
  const creator = blocks.get(el >>> 8);
  return creator !== undefined && list.some((s) => s.creator === creator && s.element === (el & 0xff));
}

/**
 * Removes every private element of `ds` not on the allow-list, and creators whose block keeps
 * nothing. Returns the kept private elements (the walk recurses into kept private sequences).
 */
export function filterPrivate(ds: DicomDataset, run: Run): DicomElement[] {
  const privates = ds.elements.filter((e) => isPrivate(e.tag));
  if (privates.length === 0) return [];
  const kept: DicomElement[] = [];
  const keptBlocks = new Set<number>();
  const blocksByGroup = new Map<number, Map<number, string>>();
  for (const e of privates) {
    const group = e.tag >>> 16;
    const list = run.safePrivate.get(group);
    if (list === undefined) continue;
    let blocks = blocksByGroup.get(group);
    if (blocks === undefined) blocksByGroup.set(group, (blocks = creators(ds, group)));
    if (allowed(e, blocks, list)) {
      kept.push(e);
      keptBlocks.add((group << 8) | ((e.tag & 0xffff) >>> 8));
    }
  }
  for (const e of privates) {
    const el = e.tag & 0xffff;
    const isCreator = el >= 0x10 && el <= 0xff;
    if (kept.includes(e) || (isCreator && keptBlocks.has(((e.tag >>> 16) << 8) | el))) continue;
    ds.remove(e.tag);
    run.privateRemoved++;
  }
  return kept;
}
