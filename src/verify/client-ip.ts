/**
 * The API client's address for IP allow-lists. X-Forwarded-For and X-Real-IP are believed only when the
 * direct peer is one of TRUSTED_PROXIES (anyone can send those headers); then the client is the right-most
 * X-Forwarded-For address that is not itself a trusted proxy, or X-Real-IP.
 */
import { type Cidr, cidrContains, parseCidr } from '../domain/cidr.js';

/** The same keywords Fastify's trustProxy (proxy-addr) understands. */
const KEYWORDS: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

export type TrustTest = (address: string) => boolean;

/** A predicate over TRUSTED_PROXIES (CIDRs, addresses, keywords); throws on an entry it cannot read. */
export function trustedProxies(entries: readonly string[]): TrustTest {
  const cidrs: Cidr[] = [];
  for (const entry of entries.flatMap((e) => KEYWORDS[e.toLowerCase()] ?? [e])) {
    const cidr = parseCidr(entry);
    if (!cidr) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address, CIDR range or one of ${Object.keys(KEYWORDS).join(', ')}`);
    cidrs.push(cidr);
  }
  if (cidrs.length === 0) return () => false;
  // Few distinct peers talk to a verifier (its proxies): remember each answer.
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

export function clientIp(peer: string | undefined, forwardedFor: string | undefined, realIp: string | undefined, isTrusted: TrustTest): string | undefined {
  if (!peer || !isTrusted(peer)) return stripV4Mapped(peer);
  if (forwardedFor) {
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i].trim();
      if (hop && !isTrusted(hop)) return stripV4Mapped(hop);
    }
    const first = hops[0].trim();
    if (first) return stripV4Mapped(first);
  }
  if (realIp) return stripV4Mapped(realIp.trim());
  return stripV4Mapped(peer);
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) reads as `10.0.0.1`, as users write it. */
function stripV4Mapped(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
