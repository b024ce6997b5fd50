/**
 * This node's change feed. After a mutation commits (its change-log row written in the same transaction), the
 * service publishes what changed: local subscribers (this node's verifier cache) hear it synchronously, before
 * the API call returns, and announcers (Redis pub/sub) wake the other nodes' tailers without being waited for.
 * Changes made elsewhere reach this node through its tailer, which reads the durable change log.
 */
export type Change =
  | { kind: 'token'; tokenId: string; accountSid: string }
  | { kind: 'account'; accountId: string }
  /** This node cannot know what it missed (its sequence was pruned from the log): every cached decision goes. */
  | { kind: 'all' };

/** A change as the log records it: a token's or an account's. */
export type LoggedChangeKind = Exclude<Change, { kind: 'all' }>;

/** Tells other nodes "read the log now". Never awaited by a mutation: it only shortens the delay. */
export interface ChangeAnnouncer {
  announce(): void;
}

export class ChangeFeed {
  private readonly listeners = new Set<(change: Change) => void>();
  private readonly announcers: ChangeAnnouncer[] = [];

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addAnnouncer(announcer: ChangeAnnouncer): void {
    this.announcers.push(announcer);
  }

  /** A committed change of this node: applied here at once, announced to the others without waiting. */
  publish(change: Change): void {
    this.deliverLocally(change);
    for (const announcer of this.announcers) announcer.announce();
  }

  /** A change read from the log (made by any node, this one included). */
  deliverLocally(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }
}
