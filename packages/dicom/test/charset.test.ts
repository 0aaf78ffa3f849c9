import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { charsetFor, DicomError, parseDicom, tagOf, writeDicom } from '../src/index.ts';
import { PYDICOM_DATA } from './corpus.ts';

const PATIENT_NAME = tagOf('PatientName')!;
const read = (name: string) => parseDicom(readFileSync(join(PYDICOM_DATA, 'charset_files', name)));

describe('character sets', () => {
  it('decodes ISO 2022 Japanese (JIS X 0208 with escapes) and Korean (KS X 1001) names', () => {
    expect(read('chrH31.dcm').dataset.getString(PATIENT_NAME)).toBe('Yamada^Tarou=山田^太郎=やまだ^たろう');
    expect(read('chrI2.dcm').dataset.getString(PATIENT_NAME)).toBe('Hong^Gildong=洪^吉洞=홍^길동');
    expect(read('chrX2.dcm').dataset.getString(PATIENT_NAME)).toBe('Wang^XiaoDong=王^小东=');
  });

  it('inherits the character set into sequence items unless an item overrides it', () => {
    const file = read('chrSQEncoding1.dcm');
    const item = file.dataset.items(tagOf('ProcedureCodeSequence')!)?.[0] ?? file.dataset.elements.find((e) => e.items?.length)?.items?.[0];
    expect(item).toBeDefined();
    expect(item!.charset().terms.length).toBeGreaterThan(0);
    expect(item!.charset().terms).toEqual(item!.has(0x00080005) ? item!.getStrings(0x00080005) : file.dataset.getStrings(0x00080005));
  });

  it('encodes replacement text in Latin-1 family and UTF-8, ASCII everywhere, and refuses the rest', () => {
    expect([...charsetFor(['ISO_IR 100']).encode('Müller')]).toEqual([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]);
    expect([...charsetFor(['ISO_IR 144']).encode('Ж')]).toEqual([0xb6]);
    expect(Buffer.from(charsetFor(['ISO_IR 192']).encode('王')).toString('utf8')).toBe('王');
    expect([...charsetFor(['ISO 2022 IR 6', 'ISO 2022 IR 87']).encode('ANON^1')]).toEqual([...Buffer.from('ANON^1')]);
    expect(() => charsetFor(['ISO 2022 IR 6', 'ISO 2022 IR 87']).encode('山田')).toThrow(DicomError);
    expect(() => charsetFor(['ISO_IR 100']).encode('Ж')).toThrow(/ISO_IR 100/);
  });

  it('writes an edited name in the file character set and reads it back', () => {
    const file = read('chrGerm.dcm');
    expect(file.dataset.getString(0x00080005)).toBe('ISO_IR 100');
    file.dataset.set(PATIENT_NAME, 'Größe^Jürgen');
    const bytes = file.dataset.getBytes(PATIENT_NAME)!;
    expect(bytes.includes(0xf6)).toBe(true);
    expect(parseDicom(writeDicom(file)).dataset.getString(PATIENT_NAME)).toBe('Größe^Jürgen');
  });
});
