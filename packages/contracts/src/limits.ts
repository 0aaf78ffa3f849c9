// Limits on input that expands (STYLE.md 20): deflated data sets, archives, bundles, pixel frames
// and bytes in flight. One table names each limit, the HTTP error it is reported as (through
// ERROR_STATUS), the setting that configures it and what it counts, so every refusal reads alike:
// "exceeds the limit of N <unit>", with details { limit, max } a client can act on.
import { AppError, type ErrorCode } from './errors.ts';

/** Every input limit: refusal code → error code (HTTP status via ERROR_STATUS), setting, unit. */
export const INPUT_LIMITS = {
  INSTANCE_TOO_LARGE: { error: 'PAYLOAD_TOO_LARGE', setting: 'INGEST_MAX_INSTANCE_BYTES', unit: 'bytes per instance' },
  INFLATED_TOO_LARGE: { error: 'PAYLOAD_TOO_LARGE', setting: 'INGEST_MAX_INFLATED_BYTES', unit: 'bytes per inflated (deflated transfer syntax) data set' },
  ARCHIVE_TOO_MANY_ENTRIES: { error: 'PAYLOAD_TOO_LARGE', setting: 'INGEST_MAX_ARCHIVE_ENTRIES', unit: 'entries per .zip archive' },
  ARCHIVE_TOO_LARGE: { error: 'PAYLOAD_TOO_LARGE', setting: 'INGEST_MAX_ARCHIVE_BYTES', unit: 'inflated bytes per .zip archive' },
  ARCHIVE_OVERLAPPING_ENTRIES: { error: 'UNPROCESSABLE', setting: null, unit: 'entries sharing compressed data (overlapping entries, how zip bombs are built)' },
  FRAME_TOO_LARGE: { error: 'UNPROCESSABLE', setting: 'INGEST_MAX_FRAME_PIXELS', unit: 'samples (Rows x Columns x SamplesPerPixel) per frame' },
  BUNDLE_TOO_LARGE: { error: 'PAYLOAD_TOO_LARGE', setting: 'MODEL_MAX_BUNDLE_BYTES', unit: 'bytes per model bundle (compressed and inflated)' },
  KEY_BYTES_IN_FLIGHT: { error: 'RATE_LIMITED', setting: 'INGEST_KEY_BYTES_IN_FLIGHT', unit: 'upload bytes in flight per API key: retry after the Retry-After seconds' },
  PROCESS_BYTES_IN_FLIGHT: { error: 'RATE_LIMITED', setting: 'INGEST_PROCESS_BYTES_IN_FLIGHT', unit: 'upload bytes in flight on this server: retry after the Retry-After seconds' },
  ORG_INGEST_BACKLOG: { error: 'RATE_LIMITED', setting: 'INGEST_MAX_ORG_BACKLOG', unit: 'instances of this organization waiting for de-identification: retry after the Retry-After seconds' },
  INGEST_BACKLOG: { error: 'SERVICE_UNAVAILABLE', setting: 'INGEST_MAX_BACKLOG', unit: 'instances waiting for de-identification on this platform: retry after the Retry-After seconds' },
} as const satisfies Record<string, { error: ErrorCode; setting: string | null; unit: string }>;

export type InputLimitCode = keyof typeof INPUT_LIMITS;

/** Limits an uploaded instance can be refused for (its REJECTED errorCode). */
export type InstanceLimitCode = 'INSTANCE_TOO_LARGE' | 'INFLATED_TOO_LARGE';

/** "exceeds the limit of N <unit>": the refusal text of `code` (no input value appears in it). */
export function limitMessage(code: InputLimitCode, max: number): string {
  return `exceeds the limit of ${max} ${INPUT_LIMITS[code].unit}`;
}

/** A request refused for passing an input limit: 413, 422, 429 or 503 with details { limit, max, ... }. */
export class InputLimitError extends AppError {
  constructor(code: InputLimitCode, max: number, what: string, details: Record<string, unknown> = {}) {
    super(INPUT_LIMITS[code].error, `${what} ${limitMessage(code, max)}`, { limit: code, max, ...details });
  }
}
