import fastJson from 'fast-json-stringify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';

// Responses are serialized by fast-json-stringify from each route's zod schema converted once to
// JSON Schema (the same 'output' view the OpenAPI document shows), instead of a zod encode plus
// JSON.stringify per response: the largest single cost of a small authenticated GET. Like zod, it
// writes only declared properties. A schema JSON Schema cannot express (transforms, codecs, dates)
// keeps the zod serializer, so such a response is still encoded exactly as before.

type CompileInput = Parameters<FastifySchemaCompiler<unknown>>[0];

function zodOf(schema: unknown): z.ZodType | null {
  if (schema instanceof z.ZodType) return schema;
  const properties = (schema as { properties?: unknown } | null)?.properties;
  return properties instanceof z.ZodType ? properties : null;
}

function fastSerializer(schema: z.ZodType): ((data: unknown) => string) | null {
  try {
    const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'throw', cycles: 'throw' });
    return fastJson(json as Parameters<typeof fastJson>[0]);
  } catch {
    return null;
  }
}

/** Fastify serializer compiler: fast-json-stringify where the zod schema allows, zod otherwise. */
export function responseSerializerCompiler(input: CompileInput): (data: unknown) => string {
  const schema = zodOf(input.schema);
  return (schema && fastSerializer(schema)) ?? zodSerializerCompiler(input as Parameters<typeof zodSerializerCompiler>[0]);
}
