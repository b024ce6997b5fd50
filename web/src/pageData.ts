/**
 * What a signed-in page reads from the server before it can draw itself, asked for by its route's loader
 * (router.tsx) while the page's code downloads, instead of once that code has rendered. Each function starts
 * the requests and resolves once they have settled; a failed request is left in the cache for the page to show
 * with its retry, as it would have fetched it itself.
 *
 * Page data is asked for only once the session says the user is signed in and may see the page: a signed-out
 * first visit (sent on to sign in) or a stranger's account makes no failing request.
 */
import type { QueryClient } from '@tanstack/react-query';
import { exposedTokensQuery, tokenExposuresQuery } from './api/exposures.js';
import { apiSettingsQuery, catalogQuery, legacyTokensQuery, meQuery, tokenListQuery, tokenQuery } from './api/queries.js';
import { mayManageTokens } from './lib/access.js';
import { tokenFiltersOf } from './pages/api/useTokenFilters.js';

export async function sessionData(queryClient: QueryClient): Promise<void> {
  await queryClient.prefetchQuery(meQuery);
}

/** Whether the session's user may manage the tokens of this account (the API pages' gate, ApiGate). */
async function managesTokensOf(queryClient: QueryClient, accountId: string): Promise<boolean> {
  await queryClient.prefetchQuery(meQuery);
  const role = queryClient.getQueryData(meQuery.queryKey)?.accounts.find((a) => a.id === accountId)?.role;
  return role !== undefined && mayManageTokens(role);
}

/** The API page: its settings (and the legacy pair when they are on), the first page of the list its address filters, the catalog, the exposures. */
export async function apiPageData(queryClient: QueryClient, accountId: string, search: URLSearchParams): Promise<void> {
  if (!(await managesTokensOf(queryClient, accountId))) return;
  const settings = async () => {
    await queryClient.prefetchQuery(apiSettingsQuery(accountId));
    if (queryClient.getQueryData(apiSettingsQuery(accountId).queryKey)?.legacyTokensEnabled) await queryClient.prefetchQuery(legacyTokensQuery(accountId));
  };
  await Promise.all([
    settings(),
    queryClient.prefetchInfiniteQuery(tokenListQuery(accountId, tokenFiltersOf(search))),
    queryClient.prefetchQuery(catalogQuery),
    queryClient.prefetchQuery(exposedTokensQuery(accountId)),
  ]);
}

/** The create wizard's first step: the catalog (versions). */
export async function createTokenData(queryClient: QueryClient, accountId: string): Promise<void> {
  if (!(await managesTokensOf(queryClient, accountId))) return;
  await queryClient.prefetchQuery(catalogQuery);
}

/** A token's page, whichever section: the token, the catalog (its version badge), its exposures (the banner). */
export async function tokenPageData(queryClient: QueryClient, accountId: string, tokenId: string): Promise<void> {
  if (!(await managesTokensOf(queryClient, accountId))) return;
  await Promise.all([
    queryClient.prefetchQuery(tokenQuery(accountId, tokenId)),
    queryClient.prefetchQuery(catalogQuery),
    queryClient.prefetchQuery(tokenExposuresQuery(accountId, tokenId)),
  ]);
}
