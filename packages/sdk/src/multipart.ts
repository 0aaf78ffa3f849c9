// Reading a multipart/related body (WADO-RS retrievals) into its parts' bytes, in the browser
// as in Node: the boundary comes from the Blob's type (the response's Content-Type).

/** One part of a multipart body: its headers (lower-cased names) and bytes. */
export interface MultipartPart {
  headers: Record<string, string>;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The boundary parameter of a multipart Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first!, from); i !== -1 && i <= haystack.length - needle.length; i = haystack.indexOf(first!, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Split a multipart body into parts; throws when the boundary is missing or the body is cut. */
export function parseMultipart(body: Uint8Array, contentType: string): MultipartPart[] {
  const boundary = multipartBoundary(contentType);
  if (!boundary) throw new Error(`Not a multipart body with a boundary: ${contentType}`);
  const delimiter = encoder.encode(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let at = indexOf(body, delimiter, 0);
  if (at === -1) throw new Error('Multipart body without its first boundary');
  while (true) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // closing "--"
    const headerEnd = indexOf(body, encoder.encode('\r\n\r\n'), at);
    const next = indexOf(body, encoder.encode(`\r\n--${boundary}`), headerEnd);
    if (headerEnd === -1 || next === -1) throw new Error('Multipart body ends inside a part');
    parts.push({ headers: parseHeaders(decoder.decode(body.subarray(at, headerEnd))), bytes: body.slice(headerEnd + 4, next) });
    at = next + 2;
  }
}

/** The parts of a multipart Blob (what the client returns for a WADO-RS retrieval). */
export async function multipartParts(blob: Blob, contentType = blob.type): Promise<MultipartPart[]> {
  return parseMultipart(new Uint8Array(await blob.arrayBuffer()), contentType);
}
