import { Badge } from '@mantine/core';
import type { TokenDto } from '../../../src/http/management/schemas.js';
import { isWriteMethod } from '../lib/scopes.js';

export function StateBadge({ state }: { state: TokenDto['state'] }) {
  return (
    <Badge color={state === 'enabled' ? 'teal' : 'gray'} variant="light">
      {state === 'enabled' ? 'Enabled' : 'Disabled'}
    </Badge>
  );
}

/**
 * Reads are blue, writes orange, deletes solid dark red, so risk stands out in long lists. Shades are chosen
 * for WCAG AA contrast: Mantine's filled orange/red (shade 6) are too light for white text.
 */
function methodStyle(method: string): { color: string; variant: 'light' | 'filled' } {
  if (method === 'DELETE') return { color: 'red.9', variant: 'filled' };
  if (isWriteMethod(method)) return { color: 'orange', variant: 'light' };
  return { color: method === 'GET' ? 'blue' : 'gray', variant: 'light' };
}

/** `size="xs"` for inline use in running text (the audit trail); the default lines up in scope lists. */
export function MethodBadge({ method, size = 'sm' }: { method: string; size?: 'xs' | 'sm' }) {
  const upper = method.toUpperCase();
  return (
    <Badge {...methodStyle(upper)} radius="sm" size={size} w={size === 'xs' ? 58 : 76} style={{ flexShrink: 0 }}>
      {upper}
    </Badge>
  );
}

/** A canary token: a decoy that never works and alerts its contacts when used. */
export function CanaryBadge() {
  return (
    <Badge color="grape" variant="filled" title="Never works; any use alerts the contacts">
      Canary
    </Badge>
  );
}

/** The token's API version, with the hint the product gives when a newer one exists. */
export function VersionBadge({ version, latest }: { version: number; latest: number | undefined }) {
  const outdated = latest !== undefined && version < latest;
  return (
    <Badge color={outdated ? 'yellow' : 'gray'} variant="light">
      API v{version}
      {outdated ? ' · upgrade available' : ''}
    </Badge>
  );
}
