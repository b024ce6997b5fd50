/** UI routes (what the address bar shows). API paths live in api/queries.ts. */
export type TokenSection = 'overview' | 'credentials' | 'scopes' | 'activity';

const account = (accountId: string) => `/accounts/${encodeURIComponent(accountId)}`;

export const routes = {
  login: (next?: string) => (next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login'),
  settings: (accountId: string) => `${account(accountId)}/settings`,
  profile: (accountId: string) => `${account(accountId)}/settings/profile`,
  users: (accountId: string) => `${account(accountId)}/settings/users`,
  apiPage: (accountId: string) => `${account(accountId)}/settings/api`,
  webhooks: (accountId: string) => `${account(accountId)}/settings/webhooks`,
  createToken: (accountId: string) => `${account(accountId)}/settings/api/tokens/new`,
  token: (accountId: string, tokenId: string, section: TokenSection = 'overview') =>
    `${account(accountId)}/settings/api/tokens/${encodeURIComponent(tokenId)}/${section}`,
};

/** Only same-site paths are followed after sign-in, so `?next=` cannot send anyone to another origin. */
export function safeNextPath(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
