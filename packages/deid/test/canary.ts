// Builds canary files: a real file with every Table E.1-1 attribute set to a unique marker (top
// level, inside one item of every listed sequence, and in private elements), and the list of
// markers with whether the default options keep them on purpose.
import type { Charset, DicomDataset, DicomFile, Vr } from '@medgrade/dicom';
import { parseDicom, Tags, vrOf, writeDicom } from '@medgrade/dicom';
import { enabledColumns, resolveAction } from '../src/action.resolve.ts';
import { attributeType, iodKind } from '../src/iod-types.ts';
import { isWellFormed } from '../src/well-formed.ts';
import type { DeidOptions } from '../src/options.ts';
import { PROFILE_ROWS } from '../src/profile.generated.ts';

export interface Marker {
  tag: number;
  /** Bytes searched in the output: the ASCII core (present in every ASCII-based character set) and the value as encoded. */
  needles: Buffer[];
  /** An enabled option keeps it: it may survive (and at the top level it must). */
  kept: boolean;
  nested: boolean;
}

const SKIP_GROUPS = new Set([0x0000, 0x0002, 0x0004]);
const BINARY = new Set<Vr>(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN']);
const NON_ASCII = ['Ä', 'Ж', '山', 'Ω'];
const DAY_MS = 86_400_000;

/** Marker values valid for the VR; dates sit in a 300-day window that a >= 365-day shift always leaves. */
function markerValue(vr: Vr, n: number, suffix: string): string | undefined {
  const id = String(1000 + n);
  switch (vr) {
    case 'PN':
      return `MKR${id}^CANARY${suffix}`;
    case 'LO': case 'SH': case 'LT': case 'ST': case 'UT': case 'UC':
      return `MKR${id}${suffix}`;
    case 'CS': case 'AE':
      return `MKR${id}`;
    case 'UR':
      return `urn:mkr${id}`;
    case 'UI':
      return `1.2.826.0.1.3680043.10.543.${id}`;
    case 'DA':
      return new Date(Date.UTC(1950, 0, 1) + (n % 300) * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
    case 'DT':
      return `${markerValue('DA', n, '')}1200${String(n % 60).padStart(2, '0')}`;
    case 'TM': {
      // A valid time of day, unique per marker through its fraction: kept TM values must be well-formed.
      const two = (x: number) => String(x).padStart(2, '0');
      return `10${two(n % 60)}${two(Math.floor(n / 60) % 60)}.${id}`;
    }
    case 'AS':
      return `${String(n % 900).padStart(3, '0')}D`;
    case 'IS': case 'DS':
      return `9876${id}`;
    default:
      return BINARY.has(vr) ? `MKR${id}` : undefined;
  }
}

function encodableSuffix(charset: Charset): string {
  for (const ch of NON_ASCII) {
    try {
      if (charset.decode(charset.encode(`A${ch}`), false) === `A${ch}`) return ch;
    } catch {
      // not in this character set: try the next one
    }
  }
  return '';
}

interface Builder {
  n: number;
  nested: boolean;
  markers: Marker[];
  suffix: string;
  charset: Charset;
}

function put(ds: DicomDataset, tag: number, b: Builder, kept: boolean): void {
  const vr = vrOf(tag);
  const value = markerValue(vr, b.n++, b.suffix);
  if (value === undefined) return;
  ds.set(tag, BINARY.has(vr) ? Buffer.from(value, 'latin1') : value, vr);
  const core = value.replace(/[^\x20-\x7e]/g, '');
  const needles = [Buffer.from(core, 'latin1')];
  if (core !== value) needles.push(Buffer.from(b.charset.encode(value)));
  // A value kept as it is must be well-formed for its attribute (a marker in Patient's Sex is not): else it is cleaned.
  b.markers.push({ tag, needles, kept: kept && isWellFormed(tag, vr, value), nested: b.nested });
}

// Inside every listed sequence: a name, an institution, a date, an instance UID, a private element.
const NESTED = [0x0040a123, 0x00080080, 0x00080023, 0x00081155];

function nestedItem(ds: DicomDataset, b: Builder, keep: (tag: number) => boolean): DicomDataset {
  const item = ds.buildItem([]);
  b.nested = true;
  for (const tag of NESTED) put(item, tag, b, keep(tag));
  item.set(0x00110010, 'CANARY NESTED', 'LO');
  put(item, 0x00111001, b, false);
  b.nested = false;
  return item;
}

function isKept(row: (typeof PROFILE_ROWS)[number] | undefined, tag: number, options: DeidOptions, kind: ReturnType<typeof iodKind>, depth: number): boolean {
  if (row === undefined) return false;
  const action = resolveAction(row, enabledColumns(options), attributeType(tag, kind, depth));
  // Whole-day shifts keep times of day (value.replace.ts cleanValue); the UTC offset too, but only a
  // well-formed one (+HHMM): the marker planted there is free text and must not survive.
  return action === 'K' || (action === 'C' && vrOf(tag) === 'TM');
}

/** The canary version of a real file and its markers; (0009,xx01) is the allow-listed private element. */
export function buildCanary(input: Uint8Array, options: DeidOptions): { bytes: Buffer; markers: Marker[] } {
  const keepPrivate = options.retainSafePrivate.some((s) => s.group === 0x0009 && s.creator === 'CANARY' && s.element === 0x01);
  const file: DicomFile = parseDicom(input);
  const ds = file.dataset;
  const kind = iodKind(ds.getString(Tags.SOPClassUID)?.trim(), ds.has(Tags.PixelData));
  const b: Builder = { n: 0, nested: false, markers: [], suffix: encodableSuffix(ds.charset()), charset: ds.charset() };
  for (const row of PROFILE_ROWS) {
    const key = row[0].replace(/xxxx$/, '3000').replace(/x/g, '0'); // 50xx/60xx: the first group's data element
    const tag = Number.parseInt(key, 16);
    if (SKIP_GROUPS.has(tag >>> 16) || tag === Tags.SOPClassUID) continue;
    const nestedKept = (t: number) => isKept(PROFILE_ROWS.find((r) => Number.parseInt(r[0], 16) === t), t, options, kind, 1);
    if (vrOf(tag) === 'SQ') ds.setItems(tag, [nestedItem(ds, b, nestedKept)]);
    else put(ds, tag, b, isKept(row, tag, options, kind, 0));
  }
  ds.set(0x00090010, 'CANARY', 'LO');
  put(ds, 0x00091001, b, keepPrivate);
  put(ds, 0x00091002, b, false);
  return { bytes: writeDicom(file), markers: b.markers };
}
