import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { TokenFilters } from '../../api/queries.js';

export const CREATED_ON_OPTIONS = [
  { value: 'last7', label: 'Last 7 days' },
  { value: 'last30', label: 'Last 30 days' },
  { value: 'older30', label: 'More than 30 days' },
] as const;

export const STATE_OPTIONS = [
  { value: 'enabled', label: 'Enabled' },
  { value: 'disabled', label: 'Disabled' },
] as const;

type FilterKey = keyof TokenFilters;

const oneOf = <T extends string>(options: readonly { value: T }[], value: string | null): T | undefined =>
  options.find((o) => o.value === value)?.value;

/** The filters a query string asks for; unknown values are ignored. */
export function tokenFiltersOf(params: URLSearchParams): TokenFilters {
  const result: TokenFilters = {};
  const name = params.get('name')?.trim();
  const createdOn = oneOf(CREATED_ON_OPTIONS, params.get('createdOn'));
  const state = oneOf(STATE_OPTIONS, params.get('state'));
  if (name) result.name = name;
  if (createdOn) result.createdOn = createdOn;
  if (state) result.state = state;
  return result;
}

/** The list filters live in the query string, so a filtered list can be reloaded, bookmarked and shared. */
export function useTokenFilters() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => tokenFiltersOf(params), [params]);

  const setFilter = useCallback(
    (key: FilterKey, value: string | null | undefined) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (value) next.set(key, value);
          else next.delete(key);
          return next;
        },
        // Each keystroke or choice replaces the entry: Back leaves the page instead of undoing filters one by one.
        // The list stays where the user is looking (see Root in router.tsx).
        { replace: true, preventScrollReset: true },
      ),
    [setParams],
  );

  const clearAll = useCallback(
    () =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const key of ['name', 'createdOn', 'state'] satisfies FilterKey[]) next.delete(key);
          return next;
        },
        { replace: true, preventScrollReset: true },
      ),
    [setParams],
  );

  const active = Object.keys(filters).length > 0;
  return { filters, setFilter, clearAll, active };
}
