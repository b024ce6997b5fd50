/**
 * The wire form of a change between nodes: `{"n": sender node id, "c": change}`. Each node skips its own
 * messages (it already applied them before the API call returned) and ignores anything malformed.
 */
import { randomOpaqueId } from '../../domain/credentials.js';
import type { Change } from '../../tokens/changes.js';

export const newNodeId = () => randomOpaqueId(9);

export function encodeChange(nodeId: string, change: Change): string {
  return JSON.stringify({ n: nodeId, c: change });
}

/** The change in a message from another node, or undefined for our own or a malformed one. */
export function decodeChange(payload: string | undefined, ownNodeId: string): Change | undefined {
  if (!payload) return undefined;
  let message: { n?: unknown; c?: Record<string, unknown> };
  try {
    message = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!message || message.n === ownNodeId || typeof message.c !== 'object' || message.c === null) return undefined;
  const c = message.c;
  if (c.kind === 'token' && typeof c.tokenId === 'string' && typeof c.accountSid === 'string') return { kind: 'token', tokenId: c.tokenId, accountSid: c.accountSid };
  if (c.kind === 'account' && typeof c.accountId === 'string') return { kind: 'account', accountId: c.accountId };
  if (c.kind === 'all') return { kind: 'all' };
  return undefined;
}

/** What a transport tells the node about its link: while it is down, cached decisions cannot be trusted for long. */
export interface LinkEvents {
  onLinkDown?: (error: unknown) => void;
  onLinkUp?: () => void;
}
