import { describe, expect, it } from 'vitest';
import { WordTokenizer } from './tokenizer.ts';

const tok = new WordTokenizer({
  type: 'word', lowercase: true, pad: 0, bos: 1, eos: 2, unk: 3,
  vocab: ['<pad>', '<bos>', '<eos>', '<unk>', '.', ',', 'no', 'acute', 'heart', 'is', 'enlarged', 'x', '-', 'ray', ':', 'findings'],
});

describe('WordTokenizer', () => {
  it('lowercases, splits words and punctuation, maps unknown words to unk', () => {
    expect(tok.encode('The heart is ENLARGED.')).toEqual([3, 8, 9, 10, 4]);
    expect(tok.encode('x-ray, no acute')).toEqual([11, 12, 13, 5, 6, 7]);
  });

  it('decodes without specials and without a space before punctuation', () => {
    expect(tok.decode([1, 15, 14, 8, 9, 10, 5, 6, 7, 4, 2, 0])).toBe('findings: heart is enlarged, no acute.');
  });

  it('round-trips a sentence made of vocabulary words', () => {
    const text = 'heart is enlarged, no acute x - ray.';
    expect(tok.decode(tok.encode(text))).toBe(text);
  });
});
