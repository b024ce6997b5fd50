/**
 * A per-client bound on database lookups of Account SIDs that turn out not to exist. Well-formed credentials
 * with a random SID cannot be refused without I/O (the SID carries no checksum), and each distinct one would
 * cost a query; negative cache entries absorb repeats, this absorbs variety. Past the budget a client's cache
 * misses are answered 429 without a lookup until the window ends. Known tokens are never affected once cached.
 *
 * Fixed windows, one map for all clients, cleared when the window turns; beyond MAX_CLIENTS distinct addresses
 * in one window, the newcomers share one budget (memory stays bounded whatever an attacker sends from).
 */
export interface UnknownSidBudgetOptions {
  /** Unknown SIDs one client may have looked up per window. */
  limit: number;
  windowMs: number;
}

export const DEFAULT_UNKNOWN_SID_BUDGET: UnknownSidBudgetOptions = { limit: 30, windowMs: 60_000 };

const MAX_CLIENTS = 100_000;
const SHARED = '*';

export class UnknownSidBudget {
  private readonly spent = new Map<string, number>();
  private windowEndsAt = 0;

  constructor(private readonly options: UnknownSidBudgetOptions = DEFAULT_UNKNOWN_SID_BUDGET) {}

  /** Seconds until this client may look up unknown SIDs again, or 0 when it still may. */
  retryAfter(client: string | undefined, now: number): number {
    this.turn(now);
    return (this.spent.get(this.key(client)) ?? 0) >= this.options.limit ? Math.max(1, Math.ceil((this.windowEndsAt - now) / 1000)) : 0;
  }

  /** Called when a lookup found no token. */
  spend(client: string | undefined, now: number): void {
    this.turn(now);
    const key = this.key(client);
    this.spent.set(key, (this.spent.get(key) ?? 0) + 1);
  }

  private key(client: string | undefined): string {
    const key = client ?? SHARED;
    return this.spent.has(key) || this.spent.size < MAX_CLIENTS ? key : SHARED;
  }

  private turn(now: number): void {
    if (now < this.windowEndsAt) return;
    this.spent.clear();
    this.windowEndsAt = now - (now % this.options.windowMs) + this.options.windowMs;
  }
}
