// Malformed requests for every route of the gateway's OpenAPI document, from a seeded PRNG so a
// failing case is reproduced by its seed and index. Each generator returns one request that a
// well-behaved server must answer with a 2xx/3xx/4xx, never a 5xx and never a crash.
import { gzipSync } from 'node:zlib';

/** mulberry32: a 32-bit seeded PRNG, enough for reproducible fuzz volume (not for secrets). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

/** One route of the document: its method, path template and declared request media types. */
export interface Route {
  method: string;
  path: string;
  media: string[];
  query: string[];
}

/** Every operation of an OpenAPI 3 document. */
export function routesOf(doc: Record<string, unknown>): Route[] {
  const out: Route[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { requestBody?: { content?: object }; parameters?: { name: string; in: string }[] }>>)) {
    for (const [method, op] of Object.entries(item)) {
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      out.push({ method: method.toUpperCase(), path, media: Object.keys(op.requestBody?.content ?? {}), query });
    }
  }
  return out;
}

/** A request as fastify.inject and the socket sender both take it. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: Buffer;
  kind: string;
}

/** Context the generators draw real values from so some requests reach deep code paths. */
export interface FuzzContext {
  /** Real Part 10 files to mutate. */
  dicom: Buffer[];
  /** Real ids and UIDs in the database (a project, a study's UIDs…), by parameter name. */
  ids: Record<string, string[]>;
  /** Decompression bombs (deflated data sets, pixel bombs, zips, gzip), built once per run. */
  bombs: Buffer[];
}

const HOSTILE_STRINGS = [
  '', ' ', '..', '../../etc/passwd', '%00', '%', '%zz', '\u0000', 'a'.repeat(5000), '1.2.3', '1..2', '1.2.', '01.2.3', `1.${'9'.repeat(70)}`,
  '1.2.840.10008.1.2', '*', '?', '\\', 'null', 'undefined', '-1', '0', '1e309', 'NaN', '9'.repeat(40), '{"a":1}', '[]', "' OR 1=1 --", '<script>',
  'é', '\u202e', '😀', 'c'.repeat(25), '00000000-0000-0000-0000-000000000000', 'true', '1,2,3', '1,,2', '0,1', '99999999',
] as const;

function hostile(r: Rand, ctx: FuzzContext, name: string): string {
  const real = ctx.ids[name] ?? ctx.ids.any ?? [];
  if (real.length > 0 && r() < 0.3) {
    const v = pick(r, real);
    return r() < 0.5 ? v : mutateString(r, v);
  }
  return pick(r, HOSTILE_STRINGS);
}

function mutateString(r: Rand, s: string): string {
  const i = int(r, s.length + 1);
  switch (int(r, 4)) {
    case 0: return s.slice(0, i);
    case 1: return s.slice(0, i) + pick(r, ['.', '\u0000', '%', '*', 'x', '..', ' ']) + s.slice(i);
    case 2: return s + s;
    default: return s.split('').reverse().join('');
  }
}

const enc = (s: string) => encodeURIComponent(s).replace(/%25(?=[0-9a-zA-Z]{0,2})/g, (m) => m);

function url(r: Rand, ctx: FuzzContext, route: Route): string {
  let path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = hostile(r, ctx, name);
    return r() < 0.1 ? v.replace(/\//g, '%2F') : enc(v);
  });
  if (r() < 0.05) path += pick(r, ['/', '//', '/..', '%2e%2e', '?', '#x', ';a=b']);
  const params: string[] = [];
  const names = [...route.query, 'projectId', 'limit', 'cursor', 'unknown'];
  for (let n = int(r, 5); n > 0; n--) {
    const name = pick(r, names);
    params.push(`${r() < 0.05 ? '%' : enc(name)}=${r() < 0.1 ? hostile(r, ctx, name) : enc(hostile(r, ctx, name))}`);
  }
  return params.length > 0 ? `${path}?${params.join('&')}` : path;
}

/** A nested JSON value of bounded size. */
function json(r: Rand, depth = 0): unknown {
  switch (int(r, depth > 3 ? 4 : 7)) {
    case 0: return int(r, 3) === 0 ? -1e308 * 10 : r() * 1e6;
    case 1: return pick(r, HOSTILE_STRINGS);
    case 2: return r() < 0.5;
    case 3: return null;
    case 4: return Array.from({ length: int(r, 5) }, () => json(r, depth + 1));
    default: {
      const keys = ['name', 'slug', 'scopes', 'projectId', 'model', 'version', 'inputs', 'reason', 'input', 'studyInstanceUid', 'datasetId', 'baseModel', '__proto__', 'constructor', 'options', 'webhook', 'url', 'labels', 'priority'];
      return Object.fromEntries(Array.from({ length: int(r, 6) }, () => [pick(r, keys), json(r, depth + 1)]));
    }
  }
}

function badJson(r: Rand): Buffer {
  const good = JSON.stringify(json(r));
  switch (int(r, 6)) {
    case 0: return Buffer.from(good.slice(0, int(r, good.length)));
    case 1: return Buffer.from(`${'['.repeat(5000)}${']'.repeat(int(r, 2) * 5000)}`);
    case 2: return Buffer.from('{"a":' + '"x",'.repeat(2000));
    case 3: return Buffer.from([0xff, 0xfe, 0x00, 0x7b]);
    case 4: return Buffer.from(`{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}`);
    default: return Buffer.from(good);
  }
}

/** A Part 10 file with bytes flipped, truncated or its length fields corrupted. */
export function mutateDicom(r: Rand, src: Buffer): Buffer {
  const b = Buffer.from(src);
  switch (int(r, 5)) {
    case 0: return b.subarray(0, int(r, b.length));
    case 1: for (let n = 1 + int(r, 20); n > 0; n--) b[int(r, b.length)] = int(r, 256); return b;
    case 2: { const at = 132 + int(r, Math.max(1, Math.min(b.length - 140, 2000))); b.writeUInt32LE(0xfffffff0 - int(r, 16), Math.min(at, b.length - 4)); return b; }
    case 3: return Buffer.concat([b.subarray(0, 132), Buffer.alloc(int(r, 64), 0xff)]);
    default: return Buffer.concat([b, b.subarray(132, 132 + int(r, 400))]);
  }
}

function boundary(r: Rand): string {
  return pick(r, ['', '"', '""', 'a'.repeat(71), 'a'.repeat(200), 'x y', '--', 'b\r\nX-Evil: 1', '"unterminated', 'é', 'b;boundary=c', '=', `b${int(r, 1e9)}`]);
}

function multipart(r: Rand, ctx: FuzzContext, related: boolean): { body: Buffer; type: string } {
  const b = `b${int(r, 1e9)}`;
  const parts: Buffer[] = [];
  for (let n = int(r, 4); n > 0; n--) {
    const file = ctx.dicom.length > 0 && r() < 0.7 ? mutateDicom(r, pick(r, ctx.dicom)) : r() < 0.1 && ctx.bombs.length > 0 ? pick(r, ctx.bombs) : Buffer.from(pick(r, HOSTILE_STRINGS));
    const headers = related ? `Content-Type: ${pick(r, ['application/dicom', 'application/json', '', 'multipart/related; boundary=inner'])}` : `Content-Disposition: form-data; name="${pick(r, ['file', 'files', '', '"'])}"; filename="${pick(r, ['a.dcm', 'a.zip', '../x', '', 'a.tar.gz'])}"`;
    parts.push(Buffer.from(`--${b}\r\n${headers}\r\n\r\n`), file, Buffer.from('\r\n'));
    if (r() < 0.1) parts.push(Buffer.from(`--${b}\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n--inner\r\n\r\nx\r\n--inner--\r\n`));
  }
  if (r() < 0.7) parts.push(Buffer.from(`--${b}--\r\n`));
  let body = Buffer.concat(parts);
  if (r() < 0.3) body = body.subarray(0, int(r, body.length + 1));
  const declared = r() < 0.7 ? b : boundary(r);
  return { body, type: related ? `multipart/related; type="application/dicom"; boundary=${declared}` : `multipart/form-data; boundary=${declared}` };
}

const GZIP_ZEROS = gzipSync(Buffer.alloc(4 * 1024 * 1024));
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/related', 'application/dicom', 'application/gzip', 'application/octet-stream', 'application/json; charset=utf-16', '', 'a/b/c', '*/*'];

function body(r: Rand, ctx: FuzzContext, route: Route): { payload: Buffer; type: string; kind: string } {
  const declared = route.media[0] ?? 'application/json';
  const roll = int(r, 10);
  if (roll < 2) return { payload: badJson(r), type: pick(r, CONTENT_TYPES), kind: 'wrong-content-type' };
  if (declared.startsWith('multipart/related') || (roll < 4 && route.path.startsWith('/dicomweb'))) return { ...pl(multipart(r, ctx, true)), kind: 'stow-multipart' };
  if (declared.startsWith('multipart/form-data') && roll < 8) return { ...pl(multipart(r, ctx, false)), kind: 'form-multipart' };
  if (declared === 'application/gzip' || roll === 8) return { payload: r() < 0.5 ? GZIP_ZEROS.subarray(0, int(r, GZIP_ZEROS.length)) : ctx.bombs.length > 0 ? pick(r, ctx.bombs) : GZIP_ZEROS, type: 'application/gzip', kind: 'gzip' };
  if (declared.includes('ndjson') || declared.includes('jsonl')) return { payload: Buffer.from(Array.from({ length: int(r, 20) }, () => (r() < 0.5 ? JSON.stringify(json(r)) : pick(r, HOSTILE_STRINGS))).join('\n')), type: declared, kind: 'ndjson' };
  return { payload: badJson(r), type: declared, kind: 'bad-json' };
}

const pl = (m: { body: Buffer; type: string }) => ({ payload: m.body, type: m.type });

/** The i-th request of a run: a route from the document with malformed parts. */
export function fuzzRequest(r: Rand, ctx: FuzzContext, routes: Route[], auth: string): FuzzRequest {
  const route = pick(r, routes);
  const method = r() < 0.05 ? pick(r, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']) : route.method;
  const headers: Record<string, string> = { authorization: r() < 0.9 ? auth : pick(r, ['', 'Bearer ', 'Bearer x', 'Basic Og==', `Bearer ${'a'.repeat(2000)}`, auth.slice(0, -3)]) };
  if (r() < 0.2) headers.accept = pick(r, ['*/*', 'application/dicom', 'multipart/related; type="application/dicom"', 'image/png', 'x/y', 'application/dicom+json', ';;;']);
  if (r() < 0.05) headers['content-encoding'] = pick(r, ['gzip', 'br', 'deflate', 'x']);
  const req: FuzzRequest = { method, url: url(r, ctx, route), headers, kind: 'params' };
  if (method !== 'GET' && method !== 'HEAD' && (route.media.length > 0 || r() < 0.3)) {
    const b = body(r, ctx, route);
    req.payload = b.payload;
    req.kind = b.kind;
    if (b.type !== '' || r() < 0.5) headers['content-type'] = b.type;
  }
  return req;
}
