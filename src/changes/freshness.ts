/**
 * How current this node's view is. The tailer confirms a time T when it has applied every change committed
 * before T (a poll that found nothing new counts). Until T + bound, cached decisions may be used; past it the
 * verifier reads the database on each verification, and fails closed when the database does not answer.
 */
export class Freshness {
  /** The last time the tailer confirmed this node was current (the verifier's clock, epoch ms). */
  confirmedAt = Number.NEGATIVE_INFINITY;
  /** `confirmedAt + boundMs`: the hot path compares one number with it. */
  freshUntil = Number.NEGATIVE_INFINITY;

  constructor(readonly boundMs: number) {}

  confirm(at: number): void {
    if (at <= this.confirmedAt) return;
    this.confirmedAt = at;
    this.freshUntil = at + this.boundMs;
  }

  /** How far behind this node may be at `now`: the time since it last confirmed it was current. */
  lagMs(now: number): number {
    return now - this.confirmedAt;
  }
}
