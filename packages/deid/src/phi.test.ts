import { describe, expect, it } from 'vitest';
import { createDicom } from '@medgrade/dicom';
import { collectNeedle, dateForms, emptyNeedles } from './phi.needles.ts';
import { cleanText } from './text.clean.ts';
import { verifyOutput } from './verify.gate.ts';

function needles() {
  const n = emptyNeedles();
  collectNeedle(n, 0x00100010, 'PN', 'PatientName', 'Müller^Anna^^Dr');
  collectNeedle(n, 0x00100020, 'LO', 'PatientID', 'AB-7788');
  collectNeedle(n, 0x00100030, 'DA', 'PatientBirthDate', '19800512');
  collectNeedle(n, 0x00102154, 'SH', 'PatientTelephoneNumbers', '+49 (30) 1234-5678');
  collectNeedle(n, 0x00081030, 'LO', 'StudyDescription', 'MRT Kopf nativ');
  collectNeedle(n, 0x0020000d, 'UI', 'StudyInstanceUID', '1.2.3.4');
  collectNeedle(n, 0x00081150, 'UI', 'ReferencedSOPClassUID', '1.2.840.10008.5.1.4.1.1.4');
  return n;
}

describe('PHI needles', () => {
  it('cover name orders, date formats, phone digits, IDs and instance UIDs', () => {
    const n = needles();
    expect([...n.phrases]).toEqual(expect.arrayContaining(['MÜLLER^ANNA', 'ANNA MÜLLER', 'MÜLLER, ANNA', '12/05/1980', '1980-05-12', 'AB-7788']));
    expect(n.looseTokens.has('MÜLLER')).toBe(true);
    expect(n.looseTokens.has('DR')).toBe(false); // too short to search alone
    expect(n.looseTokens.has('KOPF')).toBe(true);
    expect(n.digits.has('493012345678')).toBe(true);
    expect(n.uids).toEqual(new Set(['1.2.3.4']));
    expect(dateForms('1980-05-12')).toEqual([]);
  });

  it('clean free text of known PHI and long digit runs, keeping words and short codes', () => {
    const text = 'T1 3D Kopf, Pat. Anna Müller geb. 12.05.1980, Tel +49 30 1234 5678, ID AB-7788, Bericht 2024';
    const out = cleanText(text, needles(), (t) => t === 'KOPF');
    expect(out).toContain('T1 3D Kopf');
    expect(out).not.toMatch(/Müller|Anna|1980|5678|7788|2024/);
  });
});

describe('verification gate', () => {
  it('names where a needle sits inside a sequence item, never the value', () => {
    const item = (text: string) => [{ tag: 0x00080100, vr: 'SH' as const, value: 'CODE1' }, { tag: 0x00080104, vr: 'LO' as const, value: text }];
    const output = createDicom({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
      sopInstanceUid: '2.25.7',
      elements: [{ tag: 0x00081032, vr: 'SQ', value: [item('Head'), item('Scan ref AB-7788')] }],
    });
    const isExpected = Object.assign((t: string) => t === 'HEAD', {});
    expect(() => verifyOutput(output, needles(), isExpected)).toThrow(/PHI \(phrase\) from the input found in the output at \(0008,1032\)\[1\]\.\(0008,0104\)$/);
    expect(() => verifyOutput(output, needles(), isExpected)).not.toThrow(/7788/);
    const clean = createDicom({ sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '2.25.7', elements: [{ tag: 0x00081032, vr: 'SQ', value: [item('Head')] }] });
    expect(verifyOutput(clean, needles(), isExpected).dataset.items(0x00081032)).toHaveLength(1);
  });
});
