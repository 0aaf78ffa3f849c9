// Server-side request forgery guard for inference webhooks. An API-key holder chooses the URL the
// platform POSTs to, so it must not reach the platform's own network: loopback, private and
// link-local ranges (cloud metadata at 169.254.169.254 above all) and every other non-public range
// are refused, also when a host name resolves to one or an IPv6 address embeds one. The check runs
// at submit (400) and again at delivery, and delivery connects to the address that was checked
// (webhook.delivery.ts), so a DNS answer that changes in between (rebinding) cannot redirect it.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { BadRequestError } from '@medgrade/contracts';

/** One resolved address of a webhook host. */
export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (node:dns lookup, the system resolver). */
export type Resolver = (hostname: string) => Promise<VettedAddress[]>;

const RANGES: { name: string; v4?: [string, number][]; v6?: [string, number][] }[] = [
  { name: 'unspecified or "this network"', v4: [['0.0.0.0', 8]], v6: [['::', 128]] },
  { name: 'loopback', v4: [['127.0.0.0', 8]], v6: [['::1', 128]] },
  { name: 'private', v4: [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]] },
  { name: 'link-local', v4: [['169.254.0.0', 16]], v6: [['fe80::', 10]] },
  { name: 'carrier-grade NAT', v4: [['100.64.0.0', 10]] },
  { name: 'unique-local', v6: [['fc00::', 7]] },
  { name: 'multicast', v4: [['224.0.0.0', 4]], v6: [['ff00::', 8]] },
  // 240/4 is reserved and holds the limited broadcast address 255.255.255.255.
  { name: 'reserved or broadcast', v4: [['240.0.0.0', 4]] },
  { name: 'IETF protocol assignments', v4: [['192.0.0.0', 24]] },
  { name: 'benchmarking', v4: [['198.18.0.0', 15]] },
  // Tunnels and translators reach IPv4 hosts the platform can reach, private ones included:
  // local-use NAT64 (RFC 8215), 6to4 and Teredo. Refused whole rather than decoded.
  { name: 'local-use NAT64', v6: [['64:ff9b:1::', 48]] },
  { name: '6to4', v6: [['2002::', 16]] },
  { name: 'Teredo', v6: [['2001::', 32]] },
];

const BLOCKS = RANGES.map(({ name, v4 = [], v6 = [] }) => {
  const list = new BlockList();
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return { name, list };
});

// IPv6 forms that carry an IPv4 address in their last 32 bits: IPv4-mapped (::ffff:a.b.c.d),
// the deprecated IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d). WHATWG URL parsing
// gives the canonical compressed spelling, so three patterns cover every way of writing them.
const EMBEDS_V4 = [/^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/, /^::([0-9a-f]{1,4}):([0-9a-f]{1,4})$/, /^64:ff9b::([0-9a-f]{1,4}):([0-9a-f]{1,4})$/];

function canonicalV6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

function embeddedV4(v6: string): string | undefined {
  for (const pattern of EMBEDS_V4) {
    const m = pattern.exec(v6);
    if (!m) continue;
    const n = (parseInt(m[1]!, 16) << 16 | parseInt(m[2]!, 16)) >>> 0;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  return undefined;
}

/** The name of the non-public range an IP address is in, or null for a public address. */
export function classifyAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 0) throw new Error('classifyAddress needs an IP address');
  if (family === 6) {
    const v6 = canonicalV6(address);
    const v4 = embeddedV4(v6);
    if (v4 !== undefined) return classifyAddress(v4);
    return BLOCKS.find((b) => b.list.check(v6, 'ipv6'))?.name ?? null;
  }
  return BLOCKS.find((b) => b.list.check(address, 'ipv4'))?.name ?? null;
}

/** The system resolver: every address of the host, in the resolver's order. */
const systemResolver: Resolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

const ALLOWED = 'webhooks go only to https URLs of public internet addresses (not loopback, private, link-local, CGNAT, unique-local, multicast, reserved, benchmarking, NAT64, 6to4 or Teredo ranges)';

/** Why a URL was refused: its form, a host that does not resolve (may be transient), or its address. */
export type WebhookRefusal = 'form' | 'unresolved' | 'address';

/** Thrown when a webhook URL is refused; the message says what is allowed, never the URL. */
export class WebhookUrlError extends BadRequestError {
  readonly reason: WebhookRefusal;
  constructor(reason: WebhookRefusal, problem: string) {
    super(`webhookUrl refused: ${problem}; ${ALLOWED}`, { reason });
    this.reason = reason;
  }
}

/** Checks the URL's form; returns the parsed URL and its host without IPv6 brackets. */
export function parseWebhookUrl(raw: string): { url: URL; host: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('form', 'it is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookUrlError('form', `the scheme ${url.protocol.slice(0, 20)} is not http or https`);
  if (url.username || url.password) throw new WebhookUrlError('form', 'it carries credentials (user:password@); authenticate the call with the signature header instead');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { url, host };
}

/** What a webhook URL may be: private networks (on-premises), plain http (development only; default refused). */
export interface WebhookUrlOptions {
  allowPrivateNetworks: boolean;
  /** Refuse http: URLs (default true; the processes pass false only with MEDGRADE_DEV=1). */
  requireHttps?: boolean;
  resolve?: Resolver;
}

/**
 * Resolves the webhook URL's host and returns its addresses when every one is public (or when
 * private networks are allowed). Throws WebhookUrlError (400) otherwise; a host that does not
 * resolve is refused too, so the caller learns at submit rather than never hearing back.
 */
export async function vetWebhookUrl(raw: string, options: WebhookUrlOptions): Promise<{ url: URL; addresses: VettedAddress[] }> {
  const { url, host } = parseWebhookUrl(raw);
  // The result and its signature must not cross the network in clear text: http only on a developer machine.
  if (url.protocol !== 'https:' && options.requireHttps !== false) throw new WebhookUrlError('form', 'it is not https (plain http is allowed on a developer machine only, MEDGRADE_DEV=1)');
  const family = isIP(host);
  let addresses: VettedAddress[];
  if (family !== 0) addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch {
      throw new WebhookUrlError('unresolved', 'its host name does not resolve');
    }
    if (addresses.length === 0) throw new WebhookUrlError('unresolved', 'its host name does not resolve');
  }
  if (options.allowPrivateNetworks) return { url, addresses };
  for (const { address } of addresses) {
    const range = classifyAddress(address);
    if (range) throw new WebhookUrlError('address', `its host is or resolves to a ${range} address`);
  }
  return { url, addresses };
}
