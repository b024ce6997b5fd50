/**
 * Change notifications: after a mutation commits, the token service publishes what changed. Local
 * subscribers (this node's verifier cache) hear it synchronously, before the API call returns; transports
 * (PostgreSQL NOTIFY, Redis pub/sub) carry it to the other nodes.
 */
export type Change =
  | { kind: 'token'; tokenId: string; accountSid: string }
  | { kind: 'account'; accountId: string }
  /** Something was missed (a lost connection): every cached decision must be dropped. */
  | { kind: 'all' };

export interface ChangeTransport {
  send(change: Change): Promise<void>;
  close(): Promise<void>;
}

export class ChangeFeed {
  private readonly listeners = new Set<(change: Change) => void>();
  private readonly transports: ChangeTransport[] = [];

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addTransport(transport: ChangeTransport): void {
    this.transports.push(transport);
  }

  /** Tells this node at once, then the others; a failed remote send is reported, never thrown into the caller's success. */
  async publish(change: Change): Promise<void> {
    this.deliverLocally(change);
    await Promise.all(this.transports.map((t) => t.send(change).catch((error) => this.onTransportError?.(error))));
  }

  /** Used by transports for changes that arrive from other nodes. */
  deliverLocally(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  onTransportError?: (error: unknown) => void;

  async close(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.close()));
  }
}
