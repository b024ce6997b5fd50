/**
 * Webhook rules shared by the management API and the delivery worker: what an endpoint URL may be, which
 * addresses a delivery may connect to, and how a delivery is signed.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { type Cidr, cidrContains, parseCidr } from './cidr.js';
import { randomBase62 } from './credentials.js';

const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const SIGNATURE_HEADER = 'Sidekey-Signature';
export const EVENT_ID_HEADER = 'Sidekey-Event-Id';
export const EVENT_TYPE_HEADER = 'Sidekey-Event-Type';
export const DELIVERY_ID_HEADER = 'Sidekey-Delivery-Id';
export const WEBHOOK_URL_MAX = 2048;
/** How long a rotated-out secret keeps signing, at most (7 days), so receivers can switch without missing a delivery. */
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 86_400;

/** A new signing secret: `whsec_` and 32 base62 characters (≈190 random bits). */
export const generateWebhookSecret = (random: (n: number) => Buffer = randomBytes) => `${WEBHOOK_SECRET_PREFIX}${randomBase62(32, random)}`;

/**
 * Why a URL cannot be an endpoint, or undefined: http(s) only, with a host, without credentials (they would be
 * sent to whoever answers and shown in the delivery log) and without a fragment.
 */
export function webhookUrlProblem(text: string): string | undefined {
  if (text.length > WEBHOOK_URL_MAX) return `must be at most ${WEBHOOK_URL_MAX} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http:// or https:// URL';
  if (!url.hostname) return 'must name a host';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.hash || text.includes('#')) return 'must not have a #fragment';
  return undefined;
}

/**
 * Addresses a delivery never connects to unless the operator allows them (WEBHOOK_ALLOWED_PRIVATE_TARGETS):
 * loopback, private (RFC 1918, unique local), link-local (cloud metadata lives at 169.254.169.254), carrier-grade
 * NAT, "this network", multicast, reserved, and the IPv6 forms that embed an IPv4 address (mapped, compatible,
 * NAT64, 6to4): none of them is a public receiver's address, and each could reach an internal IPv4 one.
 */
const NON_PUBLIC: readonly Cidr[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/96',
  '::ffff:0:0/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001:db8::/32',
  '2002::/16',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
].map((range) => parseCidr(range)!);

export const isPublicAddress = (address: string): boolean => !NON_PUBLIC.some((range) => cidrContains(range, address));

/**
 * The `Sidekey-Signature` header for a body sent at `timestampSeconds`: `t=<unix seconds>` and one `v1=<hex>` per
 * signing secret (two while a rotation overlaps), each HMAC-SHA256 keyed by the secret's text over `${t}.${body}`.
 */
export function signatureHeader(secrets: readonly string[], timestampSeconds: number, body: string): string {
  const signed = `${timestampSeconds}.${body}`;
  return [`t=${timestampSeconds}`, ...secrets.map((secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`)].join(',');
}
