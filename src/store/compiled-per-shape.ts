/**
 * Queries built and compiled by Kysely once per shape, then bound to each call's values. A query asked over and
 * over whose SQL text depends only on its shape (which conditions it has), not on its values, skips building and
 * compiling it every time: for the token list's name search, a few hundred microseconds of this process's CPU a
 * page, more than PostgreSQL spends running it.
 */
import { type Compilable, CompiledQuery } from 'kysely';

/** The values of one query: each is bound as a parameter, or absent (undefined). */
export type QueryValues = Record<string, string | number | undefined>;

/**
 * Stands for the value of `key` while a shape's query is built; compiled, it is that key's parameter. A build that
 * reads it as a value (compares, concatenates or formats it) throws, rather than caching a text decided by the
 * stand-in.
 */
class Parameter {
  constructor(readonly key: string) {}

  [Symbol.toPrimitive](): never {
    throw new Error(`compiledPerShape: the build read the value of ${this.key}; it may only hand it to Kysely`);
  }
}

/**
 * `build` as a function of a shape (a name for whatever its text depends on besides which values are present,
 * e.g. the dialect) and of values. The text and the parameters that are not values (constants) are those of the
 * first call with the same shape and the same values present; each call binds its own values to them.
 * The contract `build` must keep: it is given stand-ins for the present values, which it may only hand to Kysely as
 * values (never compare, concatenate or otherwise read them in JavaScript: it would read the stand-in; one read as a
 * primitive throws), and it may branch only on the shape and on which values are present. Every present value must
 * reach the query (checked when a shape is first compiled). The shapes are few (one per combination of present values and shape names),
 * so all are kept.
 */
export function compiledPerShape<Shape extends string, Values extends QueryValues, Row, Handle>(
  build: (handle: Handle, shape: Shape, values: Values) => Compilable<Row>,
): (handle: Handle, shape: Shape, values: Values) => CompiledQuery<Row> {
  const compiled = new Map<string, { sql: string; parameters: readonly unknown[] }>();
  return (handle, shape, values) => {
    const present = Object.keys(values).filter((key) => values[key] !== undefined);
    const key = `${shape}:${present.join(',')}`;
    let text = compiled.get(key);
    if (!text) {
      const standIns = Object.fromEntries(present.map((name) => [name, new Parameter(name)])) as unknown as Values;
      const { sql, parameters } = build(handle, shape, standIns).compile();
      const bound = new Set(parameters.flatMap((parameter) => (parameter instanceof Parameter ? [parameter.key] : [])));
      const unbound = present.filter((name) => !bound.has(name));
      if (unbound.length > 0) throw new Error(`compiledPerShape: the query of shape ${key} does not use ${unbound.join(', ')}`);
      text = { sql, parameters };
      compiled.set(key, text);
    }
    return CompiledQuery.raw(
      text.sql,
      text.parameters.map((parameter) => (parameter instanceof Parameter ? values[parameter.key] : parameter)),
    ) as CompiledQuery<Row>;
  };
}
