/**
 * Instant feedback in forms. The server stays the judge (it answers 400 with the fields it rejects);
 * these only spare the user a round trip for the obvious mistakes.
 */

// The server's own check, so the form and the API never disagree about an address.
export { isEmail, lacksScopes, NO_SCOPES_REASON } from '../../../src/domain/fields.js';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;

/** An IPv4/IPv6 address or CIDR range, roughly; the server parses it exactly. */
export function looksLikeCidr(value: string): boolean {
  const [address, prefix, extra] = value.trim().split('/');
  if (extra !== undefined) return false;
  const v4 = IPV4.test(address);
  const v6 = !v4 && address.includes(':') && IPV6.test(address);
  if (!v4 && !v6) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (v4 ? 32 : 128);
}
