import type { TokenDto } from '../../../src/http/management/schemas.js';

/** How a token is called on screen: legacy tokens by their access level, scoped ones by their own name. */
export function tokenTitle(token: Pick<TokenDto, 'kind' | 'name'>): string {
  if (token.kind === 'legacy_rw') return 'Legacy Read/Write token';
  if (token.kind === 'legacy_ro') return 'Legacy Read-Only token';
  return token.name;
}
