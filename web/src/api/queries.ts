/**
 * Server state as TanStack Query hooks. Keys nest under the account so that one invalidation of
 * `tokenKeys.all(accountId)` refreshes every list, detail, audit trail and usage chart of that account.
 */
import { infiniteQueryOptions, keepPreviousData, queryOptions, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type {
  AccountUserDto,
  ApiSettingsDto,
  AuditEventDto,
  CatalogDto,
  InviteStateDto,
  MeDto,
  SessionStateDto,
  SetupLinkStateDto,
  TokenDto,
  TokenListDto,
  TokenListQueryDto,
  UsageDto,
} from '../../../src/http/management/schemas.js';
import { isLegacyKind } from '../../../src/domain/filters.js';
import { api, queryString } from './client.js';

export type TokenFilters = Pick<TokenListQueryDto, 'name' | 'createdOn' | 'state'>;

export const PAGE_SIZE = 50;

export const queryKeys = {
  me: ['me'] as const,
  catalog: ['catalog'] as const,
  account: (accountId: string) => ['accounts', accountId] as const,
  apiSettings: (accountId: string) => ['accounts', accountId, 'api-settings'] as const,
  users: (accountId: string) => ['accounts', accountId, 'users'] as const,
  invite: (token: string) => ['invite', token] as const,
};

export const tokenKeys = {
  all: (accountId: string) => ['accounts', accountId, 'tokens'] as const,
  lists: (accountId: string) => ['accounts', accountId, 'tokens', 'list'] as const,
  list: (accountId: string, filters: TokenFilters) => ['accounts', accountId, 'tokens', 'list', filters] as const,
  legacy: (accountId: string) => ['accounts', accountId, 'tokens', 'legacy'] as const,
  detail: (accountId: string, tokenId: string) => ['accounts', accountId, 'tokens', 'detail', tokenId] as const,
  events: (accountId: string, tokenId: string) => ['accounts', accountId, 'tokens', 'detail', tokenId, 'events'] as const,
  usage: (accountId: string, tokenId: string) => ['accounts', accountId, 'tokens', 'detail', tokenId, 'usage'] as const,
};

// Paths of the management API, relative to /api/v1 (UI routes are in lib/routes.ts).
export const accountApi = (accountId: string) => `/accounts/${encodeURIComponent(accountId)}`;
export const tokenApi = (accountId: string, tokenId: string) => `${accountApi(accountId)}/tokens/${encodeURIComponent(tokenId)}`;

/**
 * The signed-in user and their accounts, or null for a signed-out visitor. It asks GET /session, which answers
 * both cases with 200: a first visit makes no failing request (and the browser logs no error). main.tsx also
 * fetches it before the first render of a signed-in page.
 */
export const meQuery = queryOptions({
  queryKey: queryKeys.me,
  queryFn: async (): Promise<MeDto | null> => {
    const state = await api.get<SessionStateDto>('/session');
    return state.signedIn ? { user: state.user, accounts: state.accounts } : null;
  },
  staleTime: 60_000,
});

export function useMe() {
  return useQuery(meQuery);
}

/** What the first-run link can still do, asked once when the setup page opens (a used link never turns valid). */
export function useSetupLinkState(token: string) {
  return useQuery({
    queryKey: ['setup-link', token],
    queryFn: () => api.get<SetupLinkStateDto>(`/setup${queryString({ token })}`),
    enabled: token !== '',
    staleTime: Infinity,
  });
}

/** The catalog changes only with a deployment, so it is fetched once per page load. */
export const catalogQuery = queryOptions({ queryKey: queryKeys.catalog, queryFn: () => api.get<CatalogDto>('/catalog'), staleTime: Infinity });

export function useCatalog() {
  return useQuery(catalogQuery);
}

export const apiSettingsQuery = (accountId: string) =>
  queryOptions({ queryKey: queryKeys.apiSettings(accountId), queryFn: () => api.get<ApiSettingsDto>(`${accountApi(accountId)}/api-settings`) });

export function useApiSettings(accountId: string) {
  return useQuery(apiSettingsQuery(accountId));
}

/** Whom an invite link is for; 404 INVITE_LINK_INVALID when it is not (or no longer) valid. */
export function useInvite(token: string) {
  return useQuery({ queryKey: queryKeys.invite(token), queryFn: () => api.post<InviteStateDto>('/invite/check', { token }), enabled: token !== '', staleTime: Infinity });
}

export function useAccountUsers(accountId: string) {
  return useQuery({
    queryKey: queryKeys.users(accountId),
    queryFn: () => api.get<{ items: AccountUserDto[] }>(`${accountApi(accountId)}/users`),
    select: (data) => data.items,
    staleTime: 5 * 60_000,
  });
}

/**
 * The token list (scoped and canary tokens), newest first, one page of PAGE_SIZE at a time. `kind=scoped` keeps the legacy pair out of
 * the cards; a server that does not filter by kind still works because the list also drops them here.
 */
export const tokenListQuery = (accountId: string, filters: TokenFilters) =>
  infiniteQueryOptions({
    queryKey: tokenKeys.list(accountId, filters),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api.get<TokenListDto>(`${accountApi(accountId)}/tokens${queryString({ ...filters, kind: 'scoped', cursor: pageParam, limit: PAGE_SIZE })}`),
    getNextPageParam: (last) => last.nextCursor,
    select: (data) => data.pages.flatMap((page) => page.items).filter((token) => !isLegacyKind(token.kind)),
  });

export function useTokenList(accountId: string, filters: TokenFilters) {
  // Typing in the search box must not blank the list between keystrokes.
  return useInfiniteQuery({ ...tokenListQuery(accountId, filters), placeholderData: keepPreviousData });
}

/** The legacy Read/Write and Read-Only pair, shown together on one card whatever the filters say. */
export const legacyTokensQuery = (accountId: string) =>
  queryOptions({
    queryKey: tokenKeys.legacy(accountId),
    queryFn: () => api.get<TokenListDto>(`${accountApi(accountId)}/tokens${queryString({ kind: 'legacy', limit: 200 })}`),
    select: (data) => ({
      readWrite: data.items.find((t) => t.kind === 'legacy_rw'),
      readOnly: data.items.find((t) => t.kind === 'legacy_ro'),
    }),
  });

export function useLegacyTokens(accountId: string) {
  return useQuery(legacyTokensQuery(accountId));
}

export const tokenQuery = (accountId: string, tokenId: string) =>
  queryOptions({ queryKey: tokenKeys.detail(accountId, tokenId), queryFn: () => api.get<TokenDto>(tokenApi(accountId, tokenId)) });

export function useToken(accountId: string, tokenId: string) {
  return useQuery(tokenQuery(accountId, tokenId));
}

export function useTokenEvents(accountId: string, tokenId: string) {
  return useQuery({
    queryKey: tokenKeys.events(accountId, tokenId),
    queryFn: () => api.get<{ items: AuditEventDto[] }>(`${tokenApi(accountId, tokenId)}/events`),
    select: (data) => data.items,
  });
}

export function useTokenUsage(accountId: string, tokenId: string) {
  return useQuery({ queryKey: tokenKeys.usage(accountId, tokenId), queryFn: () => api.get<UsageDto>(`${tokenApi(accountId, tokenId)}/usage`) });
}
