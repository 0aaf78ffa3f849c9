// Streaming multipart/related (RFC 2387) for STOW-RS requests and WADO-RS responses. The parser
// holds at most one part's current chunk plus a delimiter-sized tail, so a multi-gigabyte request
// never sits in memory; each part body must be consumed before the next part is read.

/** Why a multipart body could not be read; `code` maps to the HTTP status in the route. */
export class MultipartError extends Error {
  readonly code: 'MULTIPART_MALFORMED' | 'MULTIPART_TRUNCATED' | 'PART_TOO_LARGE' | 'REQUEST_TOO_LARGE';
  constructor(code: MultipartError['code'], message: string) {
    super(message);
    this.name = 'MultipartError';
    this.code = code;
  }
}

/** Size limits applied while streaming. */
export interface MultipartLimits {
  maxPartBytes: number;
  maxTotalBytes: number;
  maxHeaderBytes?: number;
}

/** One part: lower-cased headers and a body stream to drain before asking for the next part. */
export interface Part {
  headers: Record<string, string>;
  body: AsyncGenerator<Buffer, void, undefined>;
}

/**
 * The longest boundary accepted. RFC 2046 caps it at 70 characters, but real senders exceed that
 * (Orthanc's DICOMweb client sends 73): anything up to this bound is read.
 */
export const MAX_BOUNDARY_LENGTH = 200;

/** Whether a boundary is 1 to MAX_BOUNDARY_LENGTH printable ASCII characters. */
export function isAcceptableBoundary(boundary: string): boolean {
  return boundary.length >= 1 && boundary.length <= MAX_BOUNDARY_LENGTH && /^[\x20-\x7e]+$/.test(boundary);
}

/** Reads the boundary and type parameters of a multipart content type. */
export function parseMultipartType(contentType: string | undefined): { media: string; boundary?: string; type?: string } {
  const [mediaRaw = '', ...params] = (contentType ?? '').split(';');
  const out: { media: string; boundary?: string; type?: string } = { media: mediaRaw.trim().toLowerCase() };
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    const value = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (key === 'boundary') out.boundary = value;
    if (key === 'type') out.type = value.toLowerCase();
  }
  return out;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Pull-based byte source with a look-ahead buffer. */
class Source {
  private readonly it: AsyncIterator<Buffer | Uint8Array | string>;
  buf: Buffer;
  done = false;
  total = 0;
  private readonly limits: MultipartLimits;

  constructor(input: AsyncIterable<Buffer | Uint8Array | string>, limits: MultipartLimits) {
    this.it = input[Symbol.asyncIterator]();
    this.limits = limits;
    // A leading CRLF makes the first boundary look like every other delimiter.
    this.buf = Buffer.from('\r\n');
  }

  async more(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.total += chunk.length;
    if (this.total > this.limits.maxTotalBytes) {
      throw new MultipartError('REQUEST_TOO_LARGE', `request body exceeds ${this.limits.maxTotalBytes} bytes: split it into smaller requests`);
    }
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }
}

async function skipToDelimiter(src: Source, delim: Buffer): Promise<void> {
  for (;;) {
    const at = src.buf.indexOf(delim);
    if (at >= 0) {
      src.buf = src.buf.subarray(at + delim.length);
      return;
    }
    src.buf = src.buf.subarray(Math.max(0, src.buf.length - delim.length + 1));
    if (!(await src.more())) throw new MultipartError('MULTIPART_MALFORMED', 'no multipart boundary found: check the boundary parameter of Content-Type');
  }
}

/** After a delimiter: true for the closing "--", false when a part follows (CRLF consumed). */
async function readDelimiterEnd(src: Source): Promise<boolean> {
  while (src.buf.length < 2) {
    if (!(await src.more())) throw new MultipartError('MULTIPART_TRUNCATED', 'request ended after a boundary: the body is truncated');
  }
  if (src.buf[0] === 0x2d && src.buf[1] === 0x2d) return true;
  for (;;) {
    const crlf = src.buf.indexOf('\r\n');
    if (crlf >= 0) {
      // RFC 2046 allows transport padding (spaces/tabs) between the boundary and CRLF.
      if (src.buf.subarray(0, crlf).toString('latin1').trim() !== '') throw new MultipartError('MULTIPART_MALFORMED', 'garbage after a multipart boundary');
      src.buf = src.buf.subarray(crlf + 2);
      return false;
    }
    if (src.buf.length > 256 || !(await src.more())) throw new MultipartError('MULTIPART_MALFORMED', 'boundary line is not terminated by CRLF');
  }
}

async function readHeaders(src: Source, maxHeaderBytes: number): Promise<Record<string, string>> {
  for (;;) {
    // A part may have no headers at all: then the blank line comes first.
    if (src.buf.length >= 2 && src.buf[0] === 0x0d && src.buf[1] === 0x0a) {
      src.buf = src.buf.subarray(2);
      return {};
    }
    const end = src.buf.indexOf('\r\n\r\n');
    if (end >= 0) {
      const headers = parseHeaders(src.buf.subarray(0, end).toString('latin1'));
      src.buf = src.buf.subarray(end + 4);
      return headers;
    }
    if (src.buf.length > maxHeaderBytes) throw new MultipartError('MULTIPART_MALFORMED', `part headers exceed ${maxHeaderBytes} bytes`);
    if (!(await src.more())) throw new MultipartError('MULTIPART_TRUNCATED', 'request ended inside part headers: the body is truncated');
  }
}

async function* partBody(src: Source, delim: Buffer, maxPartBytes: number): AsyncGenerator<Buffer, void, undefined> {
  let size = 0;
  const emit = (chunk: Buffer): Buffer => {
    size += chunk.length;
    if (size > maxPartBytes) throw new MultipartError('PART_TOO_LARGE', `a part exceeds the per-instance limit of ${maxPartBytes} bytes`);
    return chunk;
  };
  for (;;) {
    const at = src.buf.indexOf(delim);
    if (at >= 0) {
      if (at > 0) yield emit(src.buf.subarray(0, at));
      src.buf = src.buf.subarray(at + delim.length);
      return;
    }
    const safe = src.buf.length - delim.length + 1;
    if (safe > 0) {
      yield emit(src.buf.subarray(0, safe));
      src.buf = src.buf.subarray(safe);
    }
    if (!(await src.more())) throw new MultipartError('MULTIPART_TRUNCATED', 'request ended inside a part: the body is truncated');
  }
}

/** Iterates the parts of a multipart body streamed from input. */
export async function* readMultipart(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  boundary: string,
  limits: MultipartLimits,
): AsyncGenerator<Part, void, undefined> {
  if (!isAcceptableBoundary(boundary)) throw new MultipartError('MULTIPART_MALFORMED', `multipart boundary must be 1-${MAX_BOUNDARY_LENGTH} printable characters`);
  const src = new Source(input, limits);
  const delim = Buffer.from(`\r\n--${boundary}`, 'latin1');
  await skipToDelimiter(src, delim);
  for (;;) {
    if (await readDelimiterEnd(src)) return;
    const headers = await readHeaders(src, limits.maxHeaderBytes ?? 16 * 1024);
    let drained = false;
    const body = (async function* () {
      yield* partBody(src, delim, limits.maxPartBytes);
      drained = true;
    })();
    yield { headers, body };
    // A consumer that skipped or abandoned the body still gets the next part.
    if (!drained) await skipToDelimiter(src, delim);
  }
}

/** Builds a multipart/related body from Part-10 objects (WADO-RS responses) as a stream. */
export async function* writeMultipart(
  boundary: string,
  parts: AsyncIterable<{ contentType: string; location?: string; body: AsyncIterable<Buffer> | Buffer }>,
): AsyncGenerator<Buffer, void, undefined> {
  for await (const part of parts) {
    const location = part.location ? `Content-Location: ${part.location}\r\n` : '';
    yield Buffer.from(`--${boundary}\r\nContent-Type: ${part.contentType}\r\n${location}\r\n`, 'latin1');
    if (Buffer.isBuffer(part.body)) yield part.body;
    else yield* part.body;
    yield Buffer.from('\r\n', 'latin1');
  }
  yield Buffer.from(`--${boundary}--\r\n`, 'latin1');
}
