/** Leak reports' exposures (docs/leak-reports.md): a token's, for its page's banner, and the account's latest, for the list's marker. */
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { ExposureDto } from '../../../src/http/management/schemas.js';
import { api } from './client.js';
import { accountApi, tokenApi, tokenKeys } from './queries.js';

// Under the account's token keys: every token change (an enable after a leak, a delete) refetches them too.
const exposureKeys = {
  token: (accountId: string, tokenId: string) => [...tokenKeys.detail(accountId, tokenId), 'exposures'] as const,
  account: (accountId: string) => [...tokenKeys.all(accountId), 'exposures'] as const,
};

export const tokenExposuresQuery = (accountId: string, tokenId: string) =>
  queryOptions({ queryKey: exposureKeys.token(accountId, tokenId), queryFn: () => api.get<{ items: ExposureDto[] }>(`${tokenApi(accountId, tokenId)}/exposures`), select: (data) => data.items });

export function useTokenExposures(accountId: string, tokenId: string) {
  return useQuery(tokenExposuresQuery(accountId, tokenId));
}

/** The latest exposure of each token among the account's latest exposures, by token id. */
export const exposedTokensQuery = (accountId: string) =>
  queryOptions({
    queryKey: exposureKeys.account(accountId),
    queryFn: () => api.get<{ items: ExposureDto[] }>(`${accountApi(accountId)}/exposures`),
    select: (data) => {
      const latest = new Map<string, ExposureDto>();
      for (const exposure of data.items) if (!latest.has(exposure.tokenId)) latest.set(exposure.tokenId, exposure);
      return latest;
    },
  });

export function useExposedTokens(accountId: string) {
  return useQuery(exposedTokensQuery(accountId));
}
