import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from './webhooks.ts';

// The gateway signs with node:crypto (services/gateway/src/inference/webhook.delivery.ts signBody):
// `sha256=` + hex HMAC-SHA256 of the body with the secret. Computed the same way here.
const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('verifyWebhookSignature (WebCrypto)', () => {
  const secret = 'whsec_4f1c2a';
  const body = JSON.stringify({ id: 'inf-1', status: 'succeeded', results: [{ text: 'No acute findings. Ä' }] });

  it('accepts the gateway signature of the exact body, as text or bytes', async () => {
    expect(await verifyWebhookSignature(body, sign(secret, body), secret)).toBe(true);
    expect(await verifyWebhookSignature(new TextEncoder().encode(body), sign(secret, body).toUpperCase().replace('SHA256', 'sha256'), secret)).toBe(true);
  });

  it('refuses another body, another secret, a malformed or missing header', async () => {
    expect(await verifyWebhookSignature(`${body} `, sign(secret, body), secret)).toBe(false);
    expect(await verifyWebhookSignature(body, sign('other', body), secret)).toBe(false);
    expect(await verifyWebhookSignature(body, sign(secret, body).slice(0, -2), secret)).toBe(false);
    expect(await verifyWebhookSignature(body, null, secret)).toBe(false);
  });
});
