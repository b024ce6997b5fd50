/** The pure rules of canary alerts and idle-token notices: what a use records, how a flood is bounded, when a stretch is idle. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CANARY_FIELD_LIMITS, alertDue, canaryUse, settleCanaryUses, type CanaryGuard } from '../../src/domain/canary.js';
import { DAY_MS, dueUnusedNotice } from '../../src/domain/lifecycle-events.js';

const MINUTE = 60_000;

describe('canary uses', () => {
  it('keep what the caller chose, cleaned of control characters and cut to their limits', () => {
    const use = canaryUse({ tokenId: 'tok_1', at: 5, ip: '203.0.113.9', method: 'GET', path: `/Advertisers/X/${'a'.repeat(600)}`, userAgent: 'evil\r\nX-Injected: 1', secretMatched: false });
    expect(use.userAgent).toBe('evil\uFFFD\uFFFDX-Injected: 1');
    expect(use.path).toHaveLength(CANARY_FIELD_LIMITS.path);
    expect(use.path.endsWith('…')).toBe(true);
    expect(use).toMatchObject({ tokenId: 'tok_1', at: 5, ip: '203.0.113.9', method: 'GET', secretMatched: false });
    expect(canaryUse({ tokenId: 't', at: 0, method: 'GET', path: '/', secretMatched: true })).toMatchObject({ ip: null, userAgent: null });
  });
});

describe('the canary alert guard', () => {
  it('raises the first use at once, then counts the uses inside the interval for the next event', () => {
    let guard: CanaryGuard = { lastAlertAt: null, suppressed: 0 };
    const first = settleCanaryUses(guard, 3, 1_000, MINUTE);
    expect(first).toEqual({ raise: true, suppressedUses: 2, guard: { lastAlertAt: 1_000, suppressed: 0 } });
    guard = first.guard;
    const inside = settleCanaryUses(guard, 10, 1_000 + MINUTE - 1, MINUTE);
    expect(inside).toEqual({ raise: false, suppressedUses: 0, guard: { lastAlertAt: 1_000, suppressed: 10 } });
    expect(settleCanaryUses(inside.guard, 1, 1_000 + MINUTE, MINUTE)).toEqual({ raise: true, suppressedUses: 10, guard: { lastAlertAt: 1_000 + MINUTE, suppressed: 0 } });
    expect(alertDue(null, 0, MINUTE)).toBe(true);
  });

  it('for any sequence of batches: at most one event per interval, and every use shown or counted', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 1, max: 50 })), { maxLength: 60 }), (batches) => {
        let guard: CanaryGuard = { lastAlertAt: null, suppressed: 0 };
        let now = 0;
        let uses = 0;
        let accounted = 0;
        const raisedAt: number[] = [];
        for (const [wait, count] of batches) {
          now += wait;
          uses += count;
          const settled = settleCanaryUses(guard, count, now, MINUTE);
          if (settled.raise) {
            raisedAt.push(now);
            accounted += 1 + settled.suppressedUses;
          }
          guard = settled.guard;
        }
        for (let i = 1; i < raisedAt.length; i++) expect(raisedAt[i] - raisedAt[i - 1]).toBeGreaterThanOrEqual(MINUTE);
        expect(accounted + guard.suppressed).toBe(uses);
      }),
    );
  });
});

describe('unused notices', () => {
  it('are due once the last use (or the creation, when never used) is N days old, naming that stretch', () => {
    const created = Date.UTC(2026, 0, 1);
    expect(dueUnusedNotice({ lastUsedAt: null, createdAt: created }, created + 30 * DAY_MS - 1, 30)).toBeNull();
    expect(dueUnusedNotice({ lastUsedAt: null, createdAt: created }, created + 30 * DAY_MS, 30)).toEqual({ since: created });
    const used = created + 40 * DAY_MS;
    expect(dueUnusedNotice({ lastUsedAt: used, createdAt: created }, used + 29 * DAY_MS, 30)).toBeNull();
    expect(dueUnusedNotice({ lastUsedAt: used, createdAt: created }, used + 45 * DAY_MS, 30)).toEqual({ since: used });
  });
});
