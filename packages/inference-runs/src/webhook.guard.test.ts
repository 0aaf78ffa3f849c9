import { describe, expect, it } from 'vitest';
import { classifyAddress, parseWebhookUrl, vetWebhookUrl, WebhookUrlError, type Resolver } from './webhook.guard.ts';

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified or "this network"'],
    ['0.1.2.3', 'unspecified or "this network"'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['240.0.0.1', 'reserved or broadcast'],
    ['::', 'unspecified or "this network"'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    // issue 14.7: ranges that were public to the guard
    ['192.0.0.8', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['64:ff9b:1::a00:1', 'local-use NAT64'],
    ['2002:c0a8:101::1', '6to4'],
    ['2002:7f00:1::', '6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ])('%s is %s', (address, range) => {
    expect(classifyAddress(address)).toBe(range);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:a00:1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:192.168.0.10', 'private'],
    ['::ffff:100.64.1.1', 'carrier-grade NAT'],
    ['::ffff:0.0.0.0', 'unspecified or "this network"'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.1.2.3', 'private'],
  ])('IPv6 %s that embeds an IPv4 address is %s', (address, range) => {
    expect(classifyAddress(address)).toBe(range);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '169.253.255.255', '192.169.0.1', '11.0.0.1', '223.255.255.255', '192.0.1.1', '198.17.255.255', '198.20.0.1', '2001:db9::1', '2003::1',
    '2001:4860:4860::8888', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', 'fec0::1'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });
});

describe('vetWebhookUrl', () => {
  // Plain http is allowed here (as on a developer machine) unless a test asks for https: these tests are about addresses.
  const refused = async (url: string, resolve?: Resolver, requireHttps = false) => {
    const error = await vetWebhookUrl(url, { allowPrivateNetworks: false, requireHttps, resolve }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookUrlError);
    const e = error as WebhookUrlError;
    expect(e.status).toBe(400);
    expect(e.message).toContain('webhooks go only to https URLs of public internet addresses');
    expect(e.message).not.toContain(url);
    return e;
  };

  it('refuses literal addresses in every non-public range, however they are spelled', async () => {
    for (const url of ['http://127.0.0.1/hook', 'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:8080/', 'http://[::ffff:127.0.0.1]/',
      'http://2130706433/', 'http://0x7f.1/', 'http://0/', 'https://[fd00::1]/', 'http://100.64.0.1/']) {
      expect((await refused(url)).reason).toBe('address');
    }
  });

  it('refuses a host name that resolves to a loopback address (localhost, via the system resolver)', async () => {
    const e = await refused('http://localhost:9/hook');
    expect(e.reason).toBe('address');
    expect(e.message).toContain('loopback');
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const resolve: Resolver = async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.1.2.3', family: 4 }];
    expect((await refused('https://hooks.example.org/x', resolve)).message).toContain('private');
  });

  it('refuses credentials, other schemes and names that do not resolve', async () => {
    expect((await refused('https://user:pass@hooks.example.org/')).reason).toBe('form');
    expect((await refused('ftp://hooks.example.org/')).reason).toBe('form');
    expect((await refused('not a url')).reason).toBe('form');
    const nothing: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect((await refused('https://no-such-host.invalid/', nothing)).reason).toBe('unresolved');
  });

  it('refuses plain http unless told it runs on a developer machine (issue 14.7)', async () => {
    const resolve: Resolver = async () => [{ address: '93.184.216.34', family: 4 }];
    const e = await refused('http://hooks.example.org/in', resolve, true);
    expect(e.reason).toBe('form');
    expect(e.message).toContain('it is not https');
    // The default is https only: a caller that forgets the option fails closed.
    await expect(vetWebhookUrl('http://hooks.example.org/in', { allowPrivateNetworks: true, resolve })).rejects.toBeInstanceOf(WebhookUrlError);
    expect((await vetWebhookUrl('http://hooks.example.org/in', { allowPrivateNetworks: false, requireHttps: false, resolve })).addresses).toHaveLength(1);
  });

  it('returns the vetted addresses of a public name, and allows private ones only with the flag', async () => {
    const resolve: Resolver = async () => [{ address: '2606:4700::1111', family: 6 }, { address: '93.184.216.34', family: 4 }];
    const ok = await vetWebhookUrl('https://hooks.example.org/in?x=1', { allowPrivateNetworks: false, resolve });
    expect(ok.addresses.map((a) => a.address)).toEqual(['2606:4700::1111', '93.184.216.34']);
    expect(ok.url.pathname).toBe('/in');
    const local = await vetWebhookUrl('http://127.0.0.1:8080/hook', { allowPrivateNetworks: true, requireHttps: false });
    expect(local.addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(parseWebhookUrl('http://[::1]:9/').host).toBe('::1');
  });
});
