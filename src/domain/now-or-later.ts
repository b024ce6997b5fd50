/**
 * A value now, or a promise of it: what the hot paths hand on. They are synchronous on a warm cache, and a
 * promise there would cost an allocation and a microtask on every request for nothing.
 */
export type NowOrLater<T> = T | Promise<T>;

/** `next` applied to `value`: in the same turn when it is a value, once it resolves when it is a promise. */
export function andThen<T, U>(value: NowOrLater<T>, next: (value: T) => NowOrLater<U>): NowOrLater<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
