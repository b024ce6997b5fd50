/**
 * A step after a hot-path result runs in the same turn when the result is a value, and after it when it is a
 * promise (src/domain/now-or-later.ts): a warm cache's answer never waits for a microtask.
 */
import { describe, expect, it } from 'vitest';
import { andThen } from '../../src/domain/now-or-later.js';

describe('andThen', () => {
  it('applies the step to a value in the same turn and returns its value, not a promise', () => {
    const result = andThen(20, (n) => n + 1);
    expect(result).toBe(21);
  });

  it('applies the step to a promised value once it resolves', async () => {
    const seen: number[] = [];
    const result = andThen(Promise.resolve(20), (n) => {
      seen.push(n);
      return n + 1;
    });
    expect(seen).toEqual([]);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(21);
    expect(seen).toEqual([20]);
  });

  it('passes a rejection on without running the step', async () => {
    let ran = false;
    const result = andThen(Promise.reject(new Error('store down')), () => {
      ran = true;
    });
    await expect(result).rejects.toThrow('store down');
    expect(ran).toBe(false);
  });

  it('chains a step that itself answers later', async () => {
    const result = andThen(2, (n) => Promise.resolve(n * 10));
    await expect(result).resolves.toBe(20);
  });
});
