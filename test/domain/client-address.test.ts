import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { clientAddress, proxyRanges, proxyTrust } from '../../src/domain/client-address.js';

// Fastify's own trustProxy implementation (a dependency of fastify), as the reference for the trusted-hop walk.
const proxyAddr = createRequire(import.meta.url)('@fastify/proxy-addr') as {
  (req: { headers: Record<string, string>; socket: { remoteAddress: string } }, trust: (address: string, hop: number) => boolean): string;
  compile(entries: string[]): (address: string, hop: number) => boolean;
};

describe('TRUSTED_PROXIES entries', () => {
  it('reads addresses, prefix lengths, IPv4 netmasks and the three range names', () => {
    const trusts = proxyTrust(['10.0.0.0/255.0.0.0', '192.168.1.0/255.255.255.128', '2001:db8::/32', '198.51.100.7', 'LoopBack']);
    for (const address of ['10.1.2.3', '192.168.1.127', '2001:db8::1', '198.51.100.7', '127.0.0.1', '::1', '::ffff:10.9.9.9']) expect(trusts(address), address).toBe(true);
    for (const address of ['11.0.0.1', '192.168.1.128', '2001:db9::1', '198.51.100.8', '169.254.0.1', 'not an address', '']) expect(trusts(address), address).toBe(false);
    expect(proxyTrust(['linklocal'])('fe80::1')).toBe(true);
    expect(proxyTrust(['uniquelocal'])('172.31.255.255')).toBe(true);
  });

  it('a netmask is the same range as its prefix length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.ipV4(), fc.ipV4(), (prefix, network, address) => {
        const mask = [24, 16, 8, 0].map((shift) => ((prefix === 32 ? 0xffffffff : ~(0xffffffff >>> prefix)) >>> shift) & 0xff).join('.');
        expect(proxyTrust([`${network}/${mask}`])(address)).toBe(proxyTrust([`${network}/${prefix}`])(address));
      }),
    );
  });

  it('refuses what it cannot read, a netmask with a gap, a netmask on IPv6, and a range of every address', () => {
    for (const entry of ['10.0.0.0/255.0.255.0', '10.0.0.0/33', '10.0.0.0/8/8', '2001:db8::/ffff::', 'proxy.internal', '10.0.0.256', '', 'constructor', '__proto__']) {
      expect(typeof proxyRanges(entry), entry).toBe('string');
    }
    for (const entry of ['0.0.0.0/0', '0.0.0.0/0.0.0.0', '::/0']) expect(proxyRanges(entry)).toMatch(/every address/);
    expect(() => proxyTrust(['10.0.0.0/8', 'nope'])).toThrow(/TRUSTED_PROXIES: "nope"/);
  });

  it('accepts exactly the entries Fastify (proxy-addr) accepts, among canonical addresses and ranges', () => {
    const entries = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([ip, n]) => `${ip}/${n}`),
      fc.tuple(fc.ipV4(), fc.ipV4()).map(([ip, mask]) => `${ip}/${mask}`),
      fc.constantFrom('loopback', 'linklocal', 'uniquelocal', '10.0.0.0/255.255.0.0', 'fc00::/7', '::1/129', 'localhost'),
    );
    fc.assert(
      fc.property(entries, (entry) => {
        let fastify = true;
        try {
          proxyAddr.compile([entry]);
        } catch {
          fastify = false;
        }
        expect(typeof proxyRanges(entry) !== 'string', entry).toBe(fastify);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the client address', () => {
  const trusts = proxyTrust(['10.0.0.0/8', 'loopback']);

  it('is the peer when the peer is not a trusted proxy, whatever the headers say', () => {
    expect(clientAddress('203.0.113.5', '198.51.100.1', '198.51.100.2', trusts)).toBe('203.0.113.5');
    expect(clientAddress('::ffff:203.0.113.5', undefined, undefined, trusts)).toBe('203.0.113.5');
    expect(clientAddress(undefined, '198.51.100.1', undefined, trusts)).toBeUndefined();
  });

  it('behind trusted proxies: the right-most X-Forwarded-For hop that is not one, else the left-most, else X-Real-IP, else the peer', () => {
    expect(clientAddress('10.0.0.1', '198.51.100.1, 203.0.113.9, 10.0.0.2', undefined, trusts)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', '198.51.100.1 , , 10.0.0.2', undefined, trusts)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.1', '10.0.0.3, 10.0.0.2', undefined, trusts)).toBe('10.0.0.3');
    expect(clientAddress('10.0.0.1', undefined, ' 203.0.113.77 ', trusts)).toBe('203.0.113.77');
    expect(clientAddress('10.0.0.1', '203.0.113.9', '203.0.113.77', trusts)).toBe('203.0.113.9');
    expect(clientAddress('127.0.0.1', undefined, undefined, trusts)).toBe('127.0.0.1');
    expect(clientAddress('10.0.0.1', '::ffff:203.0.113.9', undefined, trusts)).toBe('203.0.113.9');
  });

  it("equals Fastify's request.ip with the same trust, wherever X-Real-IP is absent", () => {
    const pool = ['10.0.0.1', '10.1.1.1', '127.0.0.1', '192.168.0.9', '203.0.113.5', '198.51.100.7', '::1', 'fd00::1', '2001:db8::5', 'garbage'];
    const entrySets = fc.subarray(['10.0.0.0/255.0.0.0', 'loopback', 'uniquelocal', '203.0.113.5', '2001:db8::/32', '192.168.0.0/16']);
    const hop = fc.constantFrom(...pool);
    fc.assert(
      fc.property(entrySets, hop, fc.array(fc.oneof(hop, fc.constant('')), { maxLength: 5 }), (entries, peer, hops) => {
        const forwardedFor = hops.length > 0 ? hops.join(', ') : undefined;
        const ours = clientAddress(peer, forwardedFor, undefined, proxyTrust(entries));
        const headers: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
        const fastify = entries.length === 0 ? peer : proxyAddr({ headers, socket: { remoteAddress: peer } }, proxyAddr.compile(entries));
        expect(ours).toBe(fastify);
      }),
      { numRuns: 3000 },
    );
  });
});
