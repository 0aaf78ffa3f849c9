import pg from 'pg';

// The schema engine reads Postgres catalogues, whose columns use types (`"char"`, `name`, `name[]`,
// reg* and other internal types) that @prisma/adapter-pg refuses ("unsupported native type"). The
// engine only needs their text, so this client reports every built-in type the adapter cannot
// convert as text (arrays of names as text[]) before the adapter sees the result.

const { builtins } = pg.types;
/** Scalar built-ins @prisma/adapter-pg 7.10 converts itself. */
const ADAPTER_SCALARS = new Set<number>([
  builtins.INT2, builtins.INT4, builtins.INT8, builtins.FLOAT4, builtins.FLOAT8, builtins.BOOL,
  builtins.DATE, builtins.TIME, builtins.TIMETZ, builtins.TIMESTAMP, builtins.TIMESTAMPTZ,
  builtins.NUMERIC, builtins.MONEY, builtins.JSON, builtins.JSONB, builtins.UUID, builtins.OID,
  builtins.BPCHAR, builtins.TEXT, builtins.VARCHAR, builtins.BIT, builtins.VARBIT, builtins.INET,
  builtins.CIDR, builtins.XML, builtins.BYTEA,
]);
/** Array types (pg_type.typarray of the scalars above) the adapter converts. */
const ADAPTER_ARRAYS = new Set<number>([
  1005, 1007, 1016, 1021, 1022, 1231, 791, 1000, 1002, 1014, 1009, 1015, 1563, 1561, 1041, 651, 143,
  1182, 1183, 1115, 1185, 199, 3807, 1001, 2951, 1028,
]);
const TEXT = builtins.TEXT;
const TEXT_ARRAY = 1009;
const NAME_ARRAY = 1003;
/** OIDs from here on are user-defined (enums, domains): the adapter treats them as text. */
const FIRST_USER_OID = 16384;

interface FieldLike { dataTypeID: number }
interface ResultLike { fields?: FieldLike[] }

function asText(result: unknown): unknown {
  const results = (Array.isArray(result) ? result : [result]) as ResultLike[];
  for (const r of results) {
    for (const field of r?.fields ?? []) {
      const oid = field.dataTypeID;
      if (oid >= FIRST_USER_OID || ADAPTER_SCALARS.has(oid) || ADAPTER_ARRAYS.has(oid)) continue;
      field.dataTypeID = oid === NAME_ARRAY ? TEXT_ARRAY : TEXT;
    }
  }
  return result;
}

type QueryCallback = (err: Error | null, res: unknown) => void;

/** A pg.Client whose results only carry types @prisma/adapter-pg understands. */
export class CatalogFriendlyClient extends pg.Client {
  // pg's query() has many overloads (promise, callback, submittable); rewrite the result on each path.
  override query(...args: unknown[]): never {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: Error | null, res: unknown) => (callback as QueryCallback)(err, res === undefined ? res : asText(res));
    }
    const call = super.query as unknown as (...a: unknown[]) => unknown;
    const out = call.apply(this, args);
    const promise = out as Promise<unknown> | undefined;
    return (typeof callback !== 'function' && promise && typeof promise.then === 'function' ? promise.then(asText) : out) as never;
  }
}

/** A pool of catalogue-friendly clients. */
export function createPool(connectionString: string): pg.Pool {
  return new pg.Pool({ connectionString, Client: CatalogFriendlyClient as unknown as typeof pg.Client });
}
