/**
 * The API client's address: one rule for every part of the app that reads it (the sign-in throttle and the
 * audit trail of the management API, the token IP allow-lists of the verification entrances and the gateway,
 * and Fastify's own `request.protocol` / `request.host`, whose `trustProxy` is the same predicate).
 *
 * X-Forwarded-For and X-Real-IP are believed only when the direct peer is one of TRUSTED_PROXIES (anyone can
 * send those headers). Then the client is the right-most X-Forwarded-For address that is not itself a trusted
 * proxy (the left-most one when every hop is trusted); without X-Forwarded-For, X-Real-IP; otherwise the peer.
 * TRUSTED_PROXIES entries are what Fastify's `trustProxy` (proxy-addr) reads: addresses, CIDRs with a prefix
 * length or an IPv4 netmask (`10.0.0.0/8`, `10.0.0.0/255.0.0.0`), and the names `loopback`, `linklocal`,
 * `uniquelocal`.
 */
import { isIPv4 } from 'node:net';
import { type Cidr, cidrContains, ipToBigInt, parseCidr } from './cidr.js';

export const PROXY_RANGE_NAMES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Whether an address (as a socket or a header gives it) is one of the trusted proxies. */
export type ProxyTrust = (address: string) => boolean;

/** The prefix length of a contiguous IPv4 netmask (`255.255.240.0` → 20), or undefined. */
function netmaskPrefix(mask: string): number | undefined {
  const bits = ipToBigInt(mask)!.value.toString(2).padStart(32, '0');
  if (!/^1*0*$/.test(bits)) return undefined;
  const zero = bits.indexOf('0');
  return zero < 0 ? 32 : zero;
}

/**
 * The ranges one TRUSTED_PROXIES entry stands for, or why it stands for none. A range must leave some
 * address out: trusting every address would let any client choose its own.
 */
export function proxyRanges(entry: string): Cidr[] | string {
  const name = entry.toLowerCase();
  if (Object.hasOwn(PROXY_RANGE_NAMES, name)) return PROXY_RANGE_NAMES[name].map((range) => parseCidr(range)!);
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const suffix = slash < 0 ? undefined : entry.slice(slash + 1);
  const prefix = suffix !== undefined && isIPv4(address) && isIPv4(suffix) ? netmaskPrefix(suffix) : suffix;
  const cidr = parseCidr(prefix === undefined ? address : `${address}/${prefix}`);
  const problem = `"${entry}" is not an IP address, a CIDR range (prefix length or IPv4 netmask) or one of ${Object.keys(PROXY_RANGE_NAMES).join(', ')}`;
  if (!cidr || (suffix !== undefined && prefix === undefined)) return problem;
  if (cidr.prefix === 0) return `"${entry}" is every address: a client could then choose its own`;
  return [cidr];
}

/** The predicate for TRUSTED_PROXIES entries (each one `proxyRanges` accepts); throws on one it does not. */
export function proxyTrust(entries: readonly string[]): ProxyTrust {
  const cidrs: Cidr[] = [];
  for (const entry of entries) {
    const ranges = proxyRanges(entry);
    if (typeof ranges === 'string') throw new Error(`TRUSTED_PROXIES: ${ranges}`);
    cidrs.push(...ranges);
  }
  if (cidrs.length === 0) return () => false;
  // Few distinct peers talk to a server (its proxies): each answer is remembered, up to a bound.
  const known = new Map<string, boolean>();
  return (address) => {
    let trusted = known.get(address);
    if (trusted === undefined) {
      trusted = cidrs.some((cidr) => cidrContains(cidr, address));
      if (known.size < 10_000) known.set(address, trusted);
    }
    return trusted;
  };
}

/** The client's address by the rule above, from the socket's peer and the request's two headers. */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, realIp: string | undefined, trusts: ProxyTrust): string | undefined {
  if (!peer || !trusts(peer)) return withoutV4Mapping(peer);
  if (forwardedFor) {
    const hops = forwardedFor.split(',');
    let leftmost: string | undefined;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i].trim();
      if (!hop) continue;
      if (!trusts(hop)) return withoutV4Mapping(hop);
      leftmost = hop;
    }
    if (leftmost) return withoutV4Mapping(leftmost);
  }
  if (realIp) return withoutV4Mapping(realIp.trim());
  return withoutV4Mapping(peer);
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) reads as `10.0.0.1`, as users write it. */
function withoutV4Mapping(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
