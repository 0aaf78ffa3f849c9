import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { responseSerializerCompiler } from './response-serializer.ts';

const compile = (schema: z.ZodType) => responseSerializerCompiler({ schema, method: 'GET', url: '/x', httpStatus: '200' });

describe('responseSerializerCompiler', () => {
  it('writes only declared properties, like the zod serializer', () => {
    const serialize = compile(z.object({ id: z.uuid(), projectId: z.uuid().nullable(), scopes: z.array(z.enum(['a', 'b'])), n: z.number().optional() }));
    const body = { id: '0b6f3f0e-6f62-4e4f-8a51-6d0b6a9e8f11', projectId: null, scopes: ['a', 'b'], secret: 'never sent' };
    expect(JSON.parse(serialize(body))).toEqual({ id: body.id, projectId: null, scopes: ['a', 'b'] });
  });

  it('keeps zod for what JSON Schema cannot express (codecs, dates)', () => {
    const at = z.codec(z.iso.datetime(), z.date(), { decode: (s) => new Date(s), encode: (d) => d.toISOString() });
    const serialize = compile(z.object({ at }));
    expect(JSON.parse(serialize({ at: new Date('2026-01-02T03:04:05.000Z') }))).toEqual({ at: '2026-01-02T03:04:05.000Z' });
    expect(() => serialize({ at: 'not a date' })).toThrow();
  });
});
