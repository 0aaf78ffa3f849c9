// fastify-swagger `transformObject`: the zod registry's components, less those no operation
// reaches. The zod provider registers every schema with an id twice (an input and an output
// view, e.g. `Project` and `ProjectInput`); only the views some operation uses are kept, so the
// document and the SDK export no type that nothing returns or accepts.
import { jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type Document = ReturnType<typeof jsonSchemaTransformObject> & { components?: { schemas?: Record<string, unknown> } };
const REF = '#/components/schemas/';

function refsIn(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) return value.forEach((item) => refsIn(item, found));
  if (!value || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$ref' && typeof inner === 'string' && inner.startsWith(REF)) found.add(inner.slice(REF.length));
    else refsIn(inner, found);
  }
}

/** Names of the component schemas reachable from the paths, following refs between schemas. */
export function reachableSchemas(paths: unknown, schemas: Record<string, unknown>): Set<string> {
  const reached = new Set<string>();
  refsIn(paths, reached);
  const queue = [...reached];
  while (queue.length > 0) {
    const inner = new Set<string>();
    refsIn(schemas[queue.pop()!], inner);
    for (const name of inner) {
      if (reached.has(name)) continue;
      reached.add(name);
      queue.push(name);
    }
  }
  return reached;
}

export const openapiTransformObject: typeof jsonSchemaTransformObject = (input) => {
  const document = jsonSchemaTransformObject(input) as Document;
  const schemas = document.components?.schemas;
  if (!schemas) return document;
  const keep = reachableSchemas(document.paths, schemas);
  const pruned = Object.fromEntries(Object.entries(schemas).filter(([name]) => keep.has(name)));
  return { ...document, components: { ...document.components, schemas: pruned } } as typeof document;
};
