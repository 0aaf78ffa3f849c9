import { describe, expect, it } from 'vitest';
import { DICTIONARY_ENTRIES } from '../src/dictionary.generated.ts';
import { formatTag, keywordOf, lookup, parseTag, tagOf, vrOf } from '../src/index.ts';

describe('dictionary generated from the standard', () => {
  it('maps tags to VR and keyword and back', () => {
    expect(DICTIONARY_ENTRIES.length).toBeGreaterThan(5000);
    expect(lookup(0x00100010)).toEqual({ tag: 0x00100010, vr: 'PN', keyword: 'PatientName', retired: false });
    expect(tagOf('StudyInstanceUID')).toBe(0x0020000d);
    expect(vrOf(tagOf('ReferencedStudySequence')!)).toBe('SQ');
    expect(formatTag(parseTag('(7FE0,0010)'))).toBe('(7FE0,0010)');
  });

  it('resolves repeating groups and PS3.5 rules for group lengths and private tags', () => {
    expect(keywordOf(0x60223000)).toBe('OverlayData');
    expect(keywordOf(0x50100010)).toBe('NumberOfPoints');
    expect(vrOf(0x00090010)).toBe('LO');
    expect(vrOf(0x00091001)).toBe('UN');
    expect(vrOf(0x00180000)).toBe('UL');
    expect(keywordOf(0x00291010)).toBeUndefined();
  });
});
