// Triton's binary tensor data extension for OIP v2 requests: the body is a JSON header of
// `Inference-Header-Content-Length` bytes followed by the raw tensors, in input order, of every
// input whose `parameters.binary_data_size` is set (FP32 little endian; BYTES as 4-byte
// length-prefixed strings). Large images skip JSON number parsing entirely.
import { BadRequestError, OIP_BINARY_EXTENSION, OIP_BINARY_HEADER } from '@medgrade/contracts';
import type { FastifyInstance } from 'fastify';

interface RawInput {
  datatype?: unknown;
  parameters?: { binary_data_size?: unknown } & Record<string, unknown>;
  data?: unknown;
}

function decodeBytes(raw: Buffer): string[] {
  const out: string[] = [];
  for (let off = 0; off + 4 <= raw.length;) {
    const len = raw.readUInt32LE(off);
    out.push(raw.subarray(off + 4, off + 4 + len).toString('utf8'));
    off += 4 + len;
  }
  return out;
}

function decodeTensor(datatype: unknown, raw: Buffer): Float32Array | string[] {
  if (datatype === 'BYTES') return decodeBytes(raw);
  if (datatype !== 'FP32' || raw.length % 4 !== 0) throw new BadRequestError('binary tensor data is supported for FP32 and BYTES inputs');
  // The body is this request's own copy (Fastify never hands a parser the socket's buffer): view
  // it in place when aligned, else copy once (slice does not zero-fill first, as new Float32Array would).
  if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

/** The JSON request with binary tensors in place of `data`. */
export function decodeBinaryRequest(body: Buffer, headerLength: string | string[] | undefined): unknown {
  const n = Number(headerLength);
  if (!Number.isInteger(n) || n <= 0 || n > body.length) throw new BadRequestError(`send the JSON header length in ${OIP_BINARY_HEADER}`);
  let json: { inputs?: RawInput[] };
  try {
    json = JSON.parse(body.subarray(0, n).toString('utf8')) as { inputs?: RawInput[] };
  } catch {
    throw new BadRequestError('the inference header is not valid JSON');
  }
  let offset = n;
  for (const input of json.inputs ?? []) {
    const size = input.parameters?.binary_data_size;
    if (size === undefined) continue;
    if (typeof size !== 'number' || offset + size > body.length) throw new BadRequestError('binary_data_size runs past the end of the body');
    input.data = decodeTensor(input.datatype, body.subarray(offset, offset + size));
    offset += size;
  }
  return json;
}

/**
 * Takes binary bodies (application/octet-stream) in `app`: the parsed body is the JSON request
 * with typed arrays as data. Returns the extension's name, so server metadata lists exactly what
 * was installed.
 */
export function installBinaryTensors(app: FastifyInstance): string {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: 256 * 1024 * 1024 }, (request, body, done) => {
    try {
      done(null, decodeBinaryRequest(body as Buffer, request.headers[OIP_BINARY_HEADER]));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  return OIP_BINARY_EXTENSION;
}
