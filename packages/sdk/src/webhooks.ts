// Verifying an inference webhook: the gateway sends
//   x-medgrade-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<exact body bytes>">
// keyed by the inference's webhookSecret (UTF-8). The timestamp is signed with the body, and a
// call whose timestamp is further than the tolerance from now is refused, so a captured call
// cannot be replayed later. WebCrypto, so it runs in Node 20+, browsers, Deno and edge runtimes alike.

const encoder = new TextEncoder();

/** How far (seconds) a webhook's signed timestamp may be from the receiver's clock by default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface VerifyWebhookOptions {
  /** Largest accepted |now - t| in seconds (default 300). */
  toleranceSeconds?: number;
  /** The receiver's clock in milliseconds (default Date.now). */
  now?: () => number;
}

function hexToBytes(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * True when `signatureHeader` is the gateway's signature of `rawBody` with `secret` and its
 * timestamp is within the tolerance of now. Pass the body exactly as received (before any JSON
 * parsing); the comparison takes the same time whatever matches.
 */
export async function verifyWebhook(rawBody: string | Uint8Array, signatureHeader: string | null | undefined, secret: string, options: VerifyWebhookOptions = {}): Promise<boolean> {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/i.exec(signatureHeader?.trim() ?? '');
  const given = match ? hexToBytes(match[2]!) : null;
  if (!match || !given) return false;
  const timestamp = Number(match[1]);
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (Math.abs(nowSeconds - timestamp) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return false;
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody;
  const signed = concat(encoder.encode(`${match[1]}.`), body);
  // subtle.verify compares in constant time.
  return crypto.subtle.verify('HMAC', key, given as Uint8Array<ArrayBuffer>, signed as Uint8Array<ArrayBuffer>);
}
