// How the gateway takes an OIP v2 infer body: never parsed here. It streams to the inference
// service as it arrives, counted against OIP_MAX_REQUEST_BYTES, so tensors are neither buffered
// whole nor re-encoded (JSON, or Triton's binary extension with its header length).
import type { IncomingMessage } from 'node:http';
import { OIP_BINARY_EXTENSION, OIP_BINARY_HEADER, PayloadTooLargeError, UnsupportedMediaTypeError } from '@medgrade/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const JSON_TYPE = 'application/json';
const BINARY_TYPE = 'application/octet-stream';

function mediaType(request: FastifyRequest): string | undefined {
  return request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The inference request is over ${maxBytes} bytes: send fewer or smaller tensors per request`, { maxBytes });
}

/**
 * In this (encapsulated) context every body is handed to the route as the raw request stream;
 * only JSON, binary tensors or no Content-Type (Triton's HTTP client sends none) are accepted.
 * Returns the protocol extensions this lets through, for server metadata.
 */
export function passBodiesThrough(app: FastifyInstance, maxBytes: number): string[] {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const type = mediaType(request);
    if (type !== undefined && type !== JSON_TYPE && type !== BINARY_TYPE) {
      done(new UnsupportedMediaTypeError(`Send ${JSON_TYPE} (JSON tensors) or ${BINARY_TYPE} with ${OIP_BINARY_HEADER} (binary tensors)`), undefined);
      return;
    }
    if (Number(request.headers['content-length'] ?? 0) > maxBytes) {
      done(tooLarge(maxBytes), undefined);
      return;
    }
    done(null, payload);
  });
  return [OIP_BINARY_EXTENSION];
}

/** The Content-Type to forward: as sent, or binary when the binary header says so. */
export function forwardedType(request: FastifyRequest): string {
  return mediaType(request) ?? (request.headers[OIP_BINARY_HEADER] ? BINARY_TYPE : JSON_TYPE);
}

/** Body bytes forwarded so far. */
export interface BodyCount {
  bytes: number;
}

/**
 * The request stream, failing (and aborting `controller` with a 413 error) once it passes
 * `maxBytes`; a chunked body has no Content-Length to check up front. Stopping early leaves the
 * socket open, so the client still reads the 413 (Node discards the rest of the body).
 */
export async function* limitedBody(source: IncomingMessage, maxBytes: number, count: BodyCount, controller: AbortController): AsyncGenerator<Uint8Array> {
  for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    count.bytes += chunk.length;
    if (count.bytes > maxBytes) {
      const error = tooLarge(maxBytes);
      controller.abort(error);
      throw error;
    }
    yield chunk;
  }
}
