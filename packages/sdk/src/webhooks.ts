// Verifying an inference webhook: the gateway sends `x-medgrade-signature: sha256=<hex>`, the
// HMAC-SHA256 of the exact body bytes keyed by the inference's webhookSecret (UTF-8). WebCrypto,
// so it runs in Node 20+, browsers, Deno and edge runtimes alike.

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * True when `signatureHeader` is the gateway's signature of `rawBody` with `secret`. Pass the body
 * exactly as received (before any JSON parsing); the comparison takes the same time whatever
 * matches.
 */
export async function verifyWebhookSignature(rawBody: string | Uint8Array, signatureHeader: string | null | undefined, secret: string): Promise<boolean> {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(signatureHeader?.trim() ?? '');
  const given = match ? hexToBytes(match[1]!) : null;
  if (!given) return false;
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody;
  // subtle.verify compares in constant time.
  return crypto.subtle.verify('HMAC', key, given as Uint8Array<ArrayBuffer>, body as Uint8Array<ArrayBuffer>);
}
