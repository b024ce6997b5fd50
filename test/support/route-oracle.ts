/**
 * The route rule of src/domain/routes.ts written the slow, obvious way, as the oracle its property test holds
 * the route table equal to: every template that fits, the most specific one, once with literal segments
 * compared exactly and once ignoring letter case; when the two disagree the target is ambiguous.
 */
import { type Scope, splitPath } from '../../src/domain/catalog.js';

const isParam = (segment: string) => segment.startsWith('{') && segment.endsWith('}');

function fits(template: readonly string[], segments: readonly string[], ignoreCase: boolean): boolean {
  if (template.length !== segments.length) return false;
  return template.every((t, i) => isParam(t) || t === segments[i] || (ignoreCase && t.toLowerCase() === segments[i].toLowerCase()));
}

/** At the first segment where two templates differ, a literal beats a {param}. */
function moreSpecific(a: readonly string[], b: readonly string[]): boolean {
  for (let i = 0; i < a.length; i++) if (isParam(a[i]) !== isParam(b[i])) return !isParam(a[i]);
  return false;
}

function best(scopes: readonly Scope[], method: string, segments: readonly string[], ignoreCase: boolean): Scope | undefined {
  let found: { scope: Scope; template: string[] } | undefined;
  for (const scope of scopes) {
    if (scope.method !== method) continue;
    const template = splitPath(scope.path);
    if (!fits(template, segments, ignoreCase)) continue;
    if (!found || moreSpecific(template, found.template)) found = { scope, template };
  }
  return found?.scope;
}

export function oracleMatch(scopes: readonly Scope[], method: string, segments: readonly string[]): Scope | 'LETTER_CASE_DIFFERS' | undefined {
  const exact = best(scopes, method, segments, false);
  const folded = best(scopes, method, segments, true);
  return exact === folded ? exact : 'LETTER_CASE_DIFFERS';
}
