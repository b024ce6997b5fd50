/**
 * The fast paths hand on an answer the moment it exists (src/http/fast-path.ts settle): a warm cache answers in
 * the same turn, a load or Redis answers later, and a failure either way reaches the one error path.
 */
import { describe, expect, it } from 'vitest';
import { settle } from '../../src/http/fast-path.js';

function recorder() {
  const seen: string[] = [];
  return { seen, use: (value: string) => seen.push(`use ${value}`), fail: (error: unknown) => seen.push(`fail ${(error as Error).message}`) };
}

describe('settle', () => {
  it('hands a value on in the same turn', () => {
    const r = recorder();
    settle(() => 'answer', r.use, r.fail);
    expect(r.seen).toEqual(['use answer']);
  });

  it('hands a promised value on once it resolves', async () => {
    const r = recorder();
    settle(() => Promise.resolve('later'), r.use, r.fail);
    expect(r.seen).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.seen).toEqual(['use later']);
  });

  it('sends a throw and a rejection to fail, never to use', async () => {
    const r = recorder();
    settle(
      () => {
        throw new Error('thrown');
      },
      r.use,
      r.fail,
    );
    settle(() => Promise.reject(new Error('rejected')), r.use, r.fail);
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.seen).toEqual(['fail thrown', 'fail rejected']);
  });
});
