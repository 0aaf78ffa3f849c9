// Inference webhooks: the URL and secret are stored encrypted on the Inference row (AES-256-GCM
// with PROJECT_SECRET_KEY, like project secrets) so a queued delivery survives a restart without
// the secret ever entering a job payload or a log line. Delivery re-checks the URL (webhook.guard.ts)
// and connects to the address it checked, keeping the URL's Host header and TLS server name.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { decryptProjectSecret, encryptProjectSecret } from '@medgrade/db';
import { vetWebhookUrl, type VettedAddress, type WebhookUrlOptions } from './webhook.guard.ts';

/** Where a finished inference is POSTed, and the HMAC key of its signature header. */
export interface WebhookTarget {
  url: string;
  secret: string;
}

/** Encrypts a webhook target for the Inference row. */
export function sealWebhook(key: Buffer, target: WebhookTarget): string {
  return Buffer.from(encryptProjectSecret(key, Buffer.from(JSON.stringify(target)))).toString('base64');
}

/** Decrypts a sealed webhook target; throws when the key is wrong or the bytes were altered. */
export function openWebhook(key: Buffer, sealed: string): WebhookTarget {
  return JSON.parse(decryptProjectSecret(key, Buffer.from(sealed, 'base64')).toString('utf8')) as WebhookTarget;
}

/**
 * The `x-medgrade-signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<exact body>">`.
 * The timestamp is signed with the body, so a receiver that refuses old timestamps (the SDK's
 * verifyWebhook: 5 minutes by default) cannot be replayed a captured call later.
 */
export function signBody(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

/** A receiver that answered with a status other than 2xx. */
export class WebhookStatusError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`webhook receiver answered ${status}`);
    this.name = 'WebhookStatusError';
    this.status = status;
  }
  /** 408, 429 and 5xx may pass; any other refusal will not change on retry. */
  get retryable(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

// Every connection of the request goes to the vetted address, whatever DNS answers by now.
function pinnedLookup(pinned: VettedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
}

/** POSTs the body to the URL over a connection to `pinned`; resolves with the HTTP status. */
function postPinned(url: URL, pinned: VettedAddress, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // node:http never follows redirects, so a 30x cannot send the call somewhere unchecked.
    const req = transport.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinnedLookup(pinned),
      signal: AbortSignal.timeout(timeoutMs),
    }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Options of one delivery. */
export interface DeliveryOptions extends WebhookUrlOptions {
  timeoutMs: number;
  /** Clock of the signed timestamp (tests). */
  now?: () => number;
}

/**
 * Vets the URL again and POSTs the signed JSON body. Throws WebhookUrlError when the URL is now
 * refused, WebhookStatusError for a non-2xx answer, and the socket error when unreachable.
 */
export async function deliverWebhook(target: WebhookTarget, payload: unknown, options: DeliveryOptions): Promise<void> {
  const { url, addresses } = await vetWebhookUrl(target.url, options);
  const body = JSON.stringify(payload);
  // Signed at each attempt: a retry carries a fresh timestamp.
  const headers = { 'x-medgrade-signature': signBody(target.secret, body, Math.floor((options.now ?? Date.now)() / 1000)) };
  // Like a browser, try the host's next address when one cannot be reached (e.g. IPv6 without a route).
  let lastError: unknown;
  for (const address of addresses) {
    let status: number;
    try {
      status = await postPinned(url, address, body, headers, options.timeoutMs);
    } catch (error) {
      lastError = error;
      continue;
    }
    if (status < 200 || status > 299) throw new WebhookStatusError(status);
    return;
  }
  throw lastError;
}
