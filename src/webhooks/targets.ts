/**
 * Where a delivery may connect. A target's host is resolved and every address it resolves to must be public
 * (domain/webhooks.ts) or one the operator allowed (WEBHOOK_ALLOWED_PRIVATE_TARGETS); the delivery then connects
 * to exactly the address that was checked, so a DNS answer that changes between the check and the connection
 * (DNS rebinding) cannot steer it to an internal service. Checked when an endpoint is saved and before every attempt.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from '../domain/webhooks.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the system resolver, as Node's own connections use). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Why a target was refused, in words safe to show and log (never the URL: its query may carry the receiver's own key). */
export class TargetRefused extends Error {}

export class TargetGuard {
  constructor(
    private readonly deps: {
      /** Addresses the operator allows although not public. */
      allows: (address: string) => boolean;
      resolve?: Resolver;
      timeoutMs: number;
    },
  ) {}

  /** The address to connect to for `url`, or TargetRefused. */
  async check(url: URL): Promise<ResolvedAddress> {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const literal = isIP(host);
    const addresses = literal ? [{ address: host, family: literal as 4 | 6 }] : await this.resolve(host);
    if (addresses.length === 0) throw new TargetRefused('its host name does not resolve');
    // Every address, not just the first: a resolver may hand out any of them, and a connection may fall back to another.
    const refused = addresses.find((a) => !isPublicAddress(a.address) && !this.deps.allows(a.address));
    if (refused) throw new TargetRefused(`it resolves to ${refused.address}, a loopback, private or link-local address (an operator may allow it with WEBHOOK_ALLOWED_PRIVATE_TARGETS)`);
    return addresses[0];
  }

  private async resolve(host: string): Promise<ResolvedAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TargetRefused(`its host name did not resolve within ${this.deps.timeoutMs} ms`)), this.deps.timeoutMs);
    });
    try {
      return await Promise.race([(this.deps.resolve ?? systemResolver)(host), deadline]);
    } catch (error) {
      if (error instanceof TargetRefused) throw error;
      throw new TargetRefused('its host name does not resolve');
    } finally {
      clearTimeout(timer);
    }
  }
}
