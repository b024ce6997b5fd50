/**
 * Canary tokens: decoy credentials that never authenticate. A request that presents a canary's Account SID with
 * a well-formed Auth Token — its own or any other — is refused exactly as a wrong credential is (the same
 * INVALID_CREDENTIALS answer, after the same secret check) and counts as a *use*: whoever sends it has the SID,
 * which only the planted credential reveals. What a use records of the caller, and how many alerts a flood of
 * uses may raise, are the pure rules here (no I/O).
 */

/** How long the parts of a use a caller chooses may be in an event (longer ones are cut, marked with `…`). */
export const CANARY_FIELD_LIMITS = { method: 16, path: 512, userAgent: 256, ip: 64 } as const;

/** At most one `token.canary_used` per canary per interval, on each node and across all of them. */
export const CANARY_ALERT_INTERVAL_MS = 60_000;

/** One use of a canary, as its event reports it. Never the Auth Token that was sent. */
export interface CanaryUse {
  tokenId: string;
  /** Epoch ms. */
  at: number;
  /** The caller's address, as Sidekey's client-address rule resolved it (null when the entrance knows none). */
  ip: string | null;
  method: string;
  /** The canonical path the request named, without its query (which may carry data of the caller's own). */
  path: string;
  userAgent: string | null;
  /** Whether the Auth Token sent was the canary's own (else: its SID with another well-formed secret). */
  secretMatched: boolean;
}

/** Control characters become U+FFFD (an event may end up in an e-mail or a log line), then the text is cut. */
function clean(text: string, max: number): string {
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
  return printable.length <= max ? printable : `${printable.slice(0, max - 1)}…`;
}

/** A use from the facts of a refused request, every caller-chosen text cleaned and cut to its limit. */
export function canaryUse(facts: { tokenId: string; at: number; ip?: string; method: string; path: string; userAgent?: string; secretMatched: boolean }): CanaryUse {
  const L = CANARY_FIELD_LIMITS;
  return {
    tokenId: facts.tokenId,
    at: facts.at,
    ip: facts.ip ? clean(facts.ip, L.ip) : null,
    method: clean(facts.method, L.method),
    path: clean(facts.path, L.path),
    userAgent: facts.userAgent ? clean(facts.userAgent, L.userAgent) : null,
    secretMatched: facts.secretMatched,
  };
}

/** A canary's alert guard: when its last event was raised, and how many uses since then no event has reported. */
export interface CanaryGuard {
  lastAlertAt: number | null;
  suppressed: number;
}

/** Whether an alert may be raised at `now`: none yet, or the last one is at least `intervalMs` old. */
export function alertDue(lastAlertAt: number | null, now: number, intervalMs: number): boolean {
  return lastAlertAt === null || now - lastAlertAt >= intervalMs;
}

/**
 * What `uses` more uses (≥ 1) of a canary at `now` do to its guard: when an alert is due, one event, which shows
 * one use and reports every other use no event showed (`suppressedUses`: the guard's count plus the rest of this
 * batch); otherwise no event, and the batch joins the suppressed count for the next one. Every use is thus
 * either shown by an event or counted in the next one.
 */
export function settleCanaryUses(guard: CanaryGuard, uses: number, now: number, intervalMs: number): { raise: boolean; suppressedUses: number; guard: CanaryGuard } {
  if (alertDue(guard.lastAlertAt, now, intervalMs)) return { raise: true, suppressedUses: guard.suppressed + uses - 1, guard: { lastAlertAt: now, suppressed: 0 } };
  return { raise: false, suppressedUses: 0, guard: { lastAlertAt: guard.lastAlertAt, suppressed: guard.suppressed + uses } };
}
