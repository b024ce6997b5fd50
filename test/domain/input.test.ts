import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_INPUT_DEPTH, MAX_REPORTED_PROBLEMS, inspectInput, mayNestDeeperThan } from '../../src/domain/input.js';

/** `levels` arrays inside one another, built without recursion. */
function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

describe('inspectInput', () => {
  it(`accepts nesting of exactly ${MAX_INPUT_DEPTH} levels and refuses one more, naming the limit`, () => {
    expect(inspectInput(nestedArrays(MAX_INPUT_DEPTH), 'body')).toEqual([]);
    const [problem, ...rest] = inspectInput(nestedArrays(MAX_INPUT_DEPTH + 1), 'body');
    expect(rest).toEqual([]);
    expect(problem.kind).toBe('too_deep');
    expect(problem.message).toContain(String(MAX_INPUT_DEPTH));
  });

  it('walks a million levels without recursion: one problem, no stack overflow', () => {
    expect(inspectInput(nestedArrays(1_000_000), 'body').map((p) => p.kind)).toEqual(['too_deep']);
    let object: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) object = { a: object };
    expect(inspectInput(object, 'body')).toHaveLength(1);
  });

  it('names NUL characters in values and keys, and prototype keys at any depth', () => {
    const value = JSON.parse('{"name":"a\\u0000b","rateLimit":{"constructor":1,"prototype":2},"list":["ok","\\u0000"],"k\\u0000":1,"x":{"__proto__":{}}}');
    expect(inspectInput(value, 'body').map((p) => [p.kind, p.field])).toEqual([
      ['nul', 'name'],
      ['prototype_key', 'rateLimit.constructor'],
      ['prototype_key', 'rateLimit.prototype'],
      ['nul', 'list.1'],
      ['nul', 'k\\0'],
      ['prototype_key', 'x.__proto__'],
    ]);
    expect(inspectInput('\u0000', 'query')).toEqual([{ kind: 'nul', field: 'query', message: 'must not contain the NUL character' }]);
  });

  it(`reports at most ${MAX_REPORTED_PROBLEMS} problems however many there are`, () => {
    expect(inspectInput(Array.from({ length: 100_000 }, () => '\u0000'), 'body')).toHaveLength(MAX_REPORTED_PROBLEMS);
  });
});

describe('mayNestDeeperThan', () => {
  it('clears only JSON text that inspectInput finds no deeper than the limit', () => {
    // Values around the limit: arrays and objects inside one another, with strings full of brackets.
    const nested = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(1, null, 'x', '[[{{', '}]'),
        fc.array(tie('value'), { maxLength: 2 }),
        fc.dictionary(fc.constantFrom('a', '[', '{b'), tie('value'), { maxKeys: 2 }),
      ),
    })).value;
    const seen = { deep: 0, cleared: 0 };
    fc.assert(
      fc.property(nested, fc.integer({ min: 0, max: 6 }), (value, limit) => {
        const text = JSON.stringify(value);
        const deep = inspectInput(value, 'body', limit).some((p) => p.kind === 'too_deep');
        const may = mayNestDeeperThan(text, limit);
        if (deep) expect(may, text).toBe(true);
        seen.deep += deep ? 1 : 0;
        seen.cleared += may ? 0 : 1;
      }),
      { seed: 20261204, numRuns: 2000 },
    );
    // Both sides of the limit were generated: values too deep, and values the scan cleared.
    expect(seen.deep).toBeGreaterThan(100);
    expect(seen.cleared).toBeGreaterThan(100);
  });

  it(`says "may" for ${MAX_INPUT_DEPTH + 1} levels, and not for a question with a few`, () => {
    expect(mayNestDeeperThan(JSON.stringify(nestedArrays(MAX_INPUT_DEPTH + 1)))).toBe(true);
    expect(mayNestDeeperThan(JSON.stringify(nestedArrays(MAX_INPUT_DEPTH)))).toBe(false);
    expect(mayNestDeeperThan('{"method":"GET","path":"/Advertisers/IR1/Actions","apiVersion":[13]}')).toBe(false);
  });
});
