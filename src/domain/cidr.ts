import { isIP } from 'node:net';

/** A parsed CIDR as a bigint network and prefix, so IPv4 and IPv6 share one comparison. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

export function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } | undefined {
  let address = ip.trim();
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7);
  const family = isIP(address);
  if (family === 4) {
    const value = address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { family: 4, value };
  }
  if (family === 6) {
    const zone = address.indexOf('%');
    if (zone >= 0) address = address.slice(0, zone);
    const [head, tail] = address.split('::') as [string, string | undefined];
    const parseGroups = (s: string | undefined): number[] => {
      if (!s) return [];
      const parts = s.split(':');
      const last = parts[parts.length - 1];
      if (last.includes('.')) {
        const v4 = last.split('.').map(Number);
        parts.splice(parts.length - 1, 1, ((v4[0] << 8) | v4[1]).toString(16), ((v4[2] << 8) | v4[3]).toString(16));
      }
      return parts.map((p) => parseInt(p, 16));
    };
    const h = parseGroups(head);
    const t = parseGroups(tail);
    const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
    return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
  }
  return undefined;
}

export function parseCidr(text: string): Cidr | undefined {
  const [ip, prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const parsed = ipToBigInt(ip);
  if (!parsed || ip.includes('%')) return undefined;
  const bits = parsed.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: parsed.family, network: parsed.value & mask, prefix };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const parsed = ipToBigInt(ip);
  if (!parsed || parsed.family !== cidr.family) return false;
  const bits = cidr.family === 4 ? 32 : 128;
  const mask = cidr.prefix === 0 ? 0n : ((1n << BigInt(cidr.prefix)) - 1n) << BigInt(bits - cidr.prefix);
  return (parsed.value & mask) === cidr.network;
}
