/**
 * The shape limits every piece of client input (a JSON body, a query, path parameters) must meet before anything
 * else reads it: nesting no deeper than MAX_INPUT_DEPTH, no NUL character (PostgreSQL text cannot hold U+0000) in
 * a value or a key, and no key that names an object's prototype. One iterative walk with an explicit stack, so no
 * input, however deep, can exhaust the call stack. Pure: no I/O.
 */
import type { FieldError } from './errors.js';

/** The largest request body any route reads (a create with every scope is about 40 KiB). */
export const BODY_LIMIT_BYTES = 256 * 1024;
/** The unauthenticated bodies (sign-in, first-run setup) hold an e-mail, a password and a few names. */
export const SIGN_IN_BODY_LIMIT_BYTES = 8 * 1024;
/** Containers inside containers: `{"a":[1]}` is 2 deep. No management request needs more than 3. */
export const MAX_INPUT_DEPTH = 32;
/** A client fixing its request needs the first few problems, not one per element of a huge array. */
export const MAX_REPORTED_PROBLEMS = 20;
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface InputProblem extends FieldError {
  kind: 'too_deep' | 'nul' | 'prototype_key';
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Every problem in `value` (at most MAX_REPORTED_PROBLEMS), field paths relative to `root` (a top-level problem is
 * named `root`). Past the depth limit the walk stops: that one problem is the whole answer.
 */
export function inspectInput(value: unknown, root: string, maxDepth = MAX_INPUT_DEPTH): InputProblem[] {
  const problems: InputProblem[] = [];
  // Children are pushed in reverse, so problems come out in document order.
  const stack: { value: unknown; path: string; depth: number; key?: string }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0 && problems.length < MAX_REPORTED_PROBLEMS) {
    const node = stack.pop()!;
    const field = node.path || root;
    if (node.key !== undefined && PROTOTYPE_KEYS.has(node.key)) {
      problems.push({ kind: 'prototype_key', field, message: 'is a reserved name' });
    } else if (node.key?.includes('\u0000')) {
      problems.push({ kind: 'nul', field, message: 'must not contain the NUL character in its name' });
    } else if (typeof node.value === 'string') {
      if (node.value.includes('\u0000')) problems.push({ kind: 'nul', field, message: 'must not contain the NUL character' });
    } else if (node.value !== null && typeof node.value === 'object') {
      const depth = node.depth + 1;
      if (depth > maxDepth) return [{ kind: 'too_deep', field, message: `is nested deeper than ${maxDepth} levels (arrays and objects inside one another)` }];
      if (Array.isArray(node.value)) {
        for (let i = node.value.length - 1; i >= 0; i--) stack.push({ value: node.value[i], path: join(node.path, String(i)), depth });
      } else {
        const entries = Object.entries(node.value);
        for (let i = entries.length - 1; i >= 0; i--) {
          const [key, item] = entries[i];
          stack.push({ value: item, path: join(node.path, key.replace(/\u0000/g, '\\0')), depth, key });
        }
      }
    }
  }
  return problems;
}

/**
 * Whether JSON text may hold containers nested deeper than `maxDepth`: never when it has no more opening brackets
 * than that, since each level opens with one (brackets inside strings only count too many). A scan of the text
 * that spares the walk of inspectInput for nearly every body; when it says "may", the walk decides.
 */
export function mayNestDeeperThan(text: string, maxDepth = MAX_INPUT_DEPTH): boolean {
  let opened = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x7b /* { */ || c === 0x5b) /* [ */ && ++opened > maxDepth) return true;
  }
  return false;
}
