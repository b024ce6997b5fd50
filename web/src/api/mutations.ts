/**
 * Every write the UI makes. Each hook keeps the caches honest after the server answers: a changed token is
 * replaced in place (so a list of 1,000 loaded tokens is not re-downloaded page by page), while creating,
 * duplicating and deleting change which tokens a list holds and so refetch it.
 */
import { notifications } from '@mantine/notifications';
import { type InfiniteData, type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type {
  CreateTokenDto,
  AddedUserDto,
  AddUserBodyDto,
  AccountUserDto,
  ApiSettingsDto,
  PasswordChangedDto,
  CredentialsDto,
  MeDto,
  SessionDto,
  TokenDto,
  TokenListDto,
  TokenSettingsDto,
  TokenWithSecretDto,
  UpgradeResultDto,
} from '../../../src/http/management/schemas.js';
import { api, setCsrfToken } from './client.js';
import { routes } from '../lib/routes.js';
import { accountApi, queryKeys, tokenApi, tokenKeys } from './queries.js';

declare module '@tanstack/react-query' {
  interface Register {
    mutationMeta: {
      /** The form shows the server's field errors next to its fields, so those do not also become toasts. */
      inlineFieldErrors?: boolean;
      /** The component explains every failure itself (e.g. show-once deployments answering 409). */
      silentErrors?: boolean;
    };
  }
}

function replaceTokenInCaches(queryClient: QueryClient, token: TokenDto): void {
  const { accountId } = token;
  queryClient.setQueryData(tokenKeys.detail(accountId, token.id), token);
  const swap = (items: TokenDto[]) => items.map((t) => (t.id === token.id ? token : t));
  queryClient.setQueriesData<InfiniteData<TokenListDto>>({ queryKey: tokenKeys.lists(accountId) }, (data) =>
    data ? { ...data, pages: data.pages.map((page) => ({ ...page, items: swap(page.items) })) } : data,
  );
  queryClient.setQueryData<TokenListDto>(tokenKeys.legacy(accountId), (data) => (data ? { ...data, items: swap(data.items) } : data));
  // Filters may now exclude the token (e.g. State: Enabled after a disable): mark lists stale for the next visit.
  void queryClient.invalidateQueries({ queryKey: tokenKeys.lists(accountId), refetchType: 'none' });
  void queryClient.invalidateQueries({ queryKey: tokenKeys.events(accountId, token.id) });
}

function removeTokenFromCaches(queryClient: QueryClient, accountId: string, tokenId: string): void {
  queryClient.setQueriesData<InfiniteData<TokenListDto>>({ queryKey: tokenKeys.lists(accountId) }, (data) =>
    data ? { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.filter((t) => t.id !== tokenId) })) } : data,
  );
  queryClient.removeQueries({ queryKey: tokenKeys.detail(accountId, tokenId) });
  void queryClient.invalidateQueries({ queryKey: tokenKeys.lists(accountId), refetchType: 'none' });
}

function addedToken(queryClient: QueryClient, token: TokenDto): void {
  queryClient.setQueryData(tokenKeys.detail(token.accountId, token.id), token);
  void queryClient.invalidateQueries({ queryKey: tokenKeys.lists(token.accountId) });
}

// ---- Session ------------------------------------------------------------------------------------------

function startSession(queryClient: QueryClient, session: SessionDto): void {
  setCsrfToken(session.csrfToken);
  queryClient.clear();
  queryClient.setQueryData<MeDto>(queryKeys.me, { user: session.user, accounts: session.accounts });
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (credentials: { email: string; password: string }) => api.post<SessionDto>('/session', credentials),
    onSuccess: (session) => startSession(queryClient, session),
    // The form says what went wrong next to the fields (a wrong password, throttling, an unreachable server).
    meta: { silentErrors: true },
  });
}

export function useFirstRunSetup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { token: string; email: string; password: string; name?: string; accountName: string }) => api.post<SessionDto>('/setup', body),
    onSuccess: (session) => startSession(queryClient, session),
    meta: { silentErrors: true },
  });
}

/** Resolves once no query is fetching (or after `timeoutMs`, so a hung read never blocks signing out). */
async function readsSettled(queryClient: QueryClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (queryClient.isFetching() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
}

export const SIGN_OUT_KEY = ['sign-out'] as const;

export function useSignOut() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationKey: SIGN_OUT_KEY,
    // The signed-in pages are left first, so none of their queries can start after the session ends (a 401);
    // reads already on the wire are let finish. The login page waits for this before it signs anyone in.
    mutationFn: async () => {
      await navigate(routes.login(), { replace: true });
      await readsSettled(queryClient, 2_000);
      await api.delete('/session');
    },
    // Whatever the server said, this browser forgets the session, and the toasts about what was done in it.
    onSettled: () => {
      setCsrfToken(null);
      notifications.clean();
    },
  });
}

export function useAcceptInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { token: string; password: string; name?: string }) => api.post<SessionDto>('/invite', body),
    onSuccess: (session) => startSession(queryClient, session),
    meta: { inlineFieldErrors: true },
  });
}

// ---- Your profile and password --------------------------------------------------------------------------

export function useUpdateProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string }) => api.patch<MeDto>('/me', body),
    onSuccess: (me) => {
      queryClient.setQueryData(queryKeys.me, me);
      void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'accounts' && q.queryKey[2] === 'users' });
    },
    meta: { inlineFieldErrors: true },
  });
}

/** A wrong current password (403) is shown on its field, not as a toast. */
export function useChangePassword() {
  return useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) => api.post<PasswordChangedDto>('/me/password', body),
    meta: { silentErrors: true },
  });
}

// ---- An account's users ---------------------------------------------------------------------------------

export function useAddUser(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AddUserBodyDto) => api.post<AddedUserDto>(`${accountApi(accountId)}/users`, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.users(accountId) }),
    meta: { inlineFieldErrors: true },
  });
}

/** Refusals (the last Account Administrator) are explained by the page, next to the user. */
export function useChangeRole(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: AccountUserDto['role'] }) => api.patch<AccountUserDto>(`${accountApi(accountId)}/users/${encodeURIComponent(userId)}`, { role }),
    // An administrator may change their own role: their memberships (and so what they may see) follow.
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys.users(accountId) }), queryClient.invalidateQueries({ queryKey: queryKeys.me })]),
    meta: { silentErrors: true },
  });
}

export function useRemoveUser(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => api.delete(`${accountApi(accountId)}/users/${encodeURIComponent(userId)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.users(accountId) }),
    meta: { silentErrors: true },
  });
}

// ---- Account API settings -----------------------------------------------------------------------------

export function useEnableApiAccess(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<ApiSettingsDto>(`${accountApi(accountId)}/api-access`),
    onSuccess: (settings) => queryClient.setQueryData(queryKeys.apiSettings(accountId), settings),
  });
}

export function useEnableLegacyTokens(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<ApiSettingsDto>(`${accountApi(accountId)}/legacy-tokens`),
    onSuccess: (settings) => {
      queryClient.setQueryData(queryKeys.apiSettings(accountId), settings);
      void queryClient.invalidateQueries({ queryKey: tokenKeys.legacy(accountId) });
    },
  });
}

// ---- Tokens -------------------------------------------------------------------------------------------

export function useCreateToken(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (settings: CreateTokenDto) => api.post<TokenWithSecretDto>(`${accountApi(accountId)}/tokens`, settings),
    onSuccess: ({ token }) => addedToken(queryClient, token),
    meta: { inlineFieldErrors: true },
  });
}

export function useUpdateToken(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ tokenId, changes }: { tokenId: string; changes: TokenSettingsDto }) => api.patch<TokenDto>(tokenApi(accountId, tokenId), changes),
    onSuccess: (token) => replaceTokenInCaches(queryClient, token),
    meta: { inlineFieldErrors: true },
  });
}

export function useDuplicateToken(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (tokenId: string) => api.post<TokenWithSecretDto>(`${tokenApi(accountId, tokenId)}/duplicate`),
    onSuccess: ({ token }) => addedToken(queryClient, token),
  });
}

export function useResetToken(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ tokenId, graceSeconds }: { tokenId: string; graceSeconds: number }) =>
      api.post<TokenWithSecretDto>(`${tokenApi(accountId, tokenId)}/reset`, graceSeconds > 0 ? { graceSeconds } : {}),
    onSuccess: ({ token }) => replaceTokenInCaches(queryClient, token),
  });
}

export function useUpgradeToken(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ tokenId, apiVersion }: { tokenId: string; apiVersion: number }) =>
      api.post<UpgradeResultDto>(`${tokenApi(accountId, tokenId)}/upgrade`, { apiVersion }),
    onSuccess: ({ token }) => replaceTokenInCaches(queryClient, token),
  });
}

export function useSetTokenState(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ tokenId, enabled }: { tokenId: string; enabled: boolean }) =>
      api.post<TokenDto>(`${tokenApi(accountId, tokenId)}/${enabled ? 'enable' : 'disable'}`),
    onSuccess: (token) => replaceTokenInCaches(queryClient, token),
  });
}

export function useDeleteToken(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (tokenId: string) => api.delete(tokenApi(accountId, tokenId)),
    onSuccess: (_nothing, tokenId) => removeTokenFromCaches(queryClient, accountId, tokenId),
  });
}

/**
 * Reading the Auth Token back is an audited action, not cached server state: it runs only when the user
 * presses Reveal or Copy, and the value is kept by the component that asked, never in the query cache.
 */
export function useRevealCredentials(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (tokenId: string) => api.get<CredentialsDto>(`${tokenApi(accountId, tokenId)}/credentials`),
    // The reveal itself is now in the token's audit trail.
    onSuccess: (_credentials, tokenId) => void queryClient.invalidateQueries({ queryKey: tokenKeys.events(accountId, tokenId) }),
    meta: { silentErrors: true },
  });
}
