/**
 * The account a page works on comes from the URL (/accounts/:accountId/…), so deep links and reloads land on
 * the same account. The last one used is remembered only to choose where `/` and `/settings` lead.
 */
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { Navigate, Outlet, useParams } from 'react-router';
import type { MeDto } from '../../../src/http/management/schemas.js';
import { useMe } from '../api/queries.js';
import { NotFoundPanel } from '../components/Feedback.js';
import { mayManageTokens } from '../lib/access.js';
import { routes } from '../lib/routes.js';

export type Membership = MeDto['accounts'][number];

interface AccountContextValue {
  account: Membership;
  canManageTokens: boolean;
}

const AccountContext = createContext<AccountContextValue | null>(null);

const LAST_ACCOUNT_KEY = 'sidekey.lastAccountId';

export function useCurrentAccount(): AccountContextValue {
  const value = useContext(AccountContext);
  if (!value) throw new Error('useCurrentAccount must be used inside an /accounts/:accountId route');
  return value;
}

/** Prefer the account used last, then one where the user manages tokens, then the first. */
export function defaultAccount(accounts: Membership[]): Membership | undefined {
  const last = readLastAccountId();
  return accounts.find((a) => a.id === last) ?? accounts.find((a) => mayManageTokens(a.role)) ?? accounts[0];
}

function readLastAccountId(): string | null {
  try {
    return localStorage.getItem(LAST_ACCOUNT_KEY);
  } catch {
    return null; // storage may be blocked; the default rule still works
  }
}

function rememberAccount(accountId: string): void {
  try {
    localStorage.setItem(LAST_ACCOUNT_KEY, accountId);
  } catch {
    // not remembering is fine
  }
}

export function AccountScope() {
  const { accountId = '' } = useParams();
  const me = useMe();
  const account = me.data?.accounts.find((a) => a.id === accountId);
  useEffect(() => {
    if (account) rememberAccount(account.id);
  }, [account]);
  if (!account) return <NotFoundPanel title="Account not found" message="This account does not exist, or you are not a member of it." />;
  return (
    <AccountProvider account={account}>
      <Outlet />
    </AccountProvider>
  );
}

function AccountProvider({ account, children }: { account: Membership; children: ReactNode }) {
  return <AccountContext.Provider value={{ account, canManageTokens: mayManageTokens(account.role) }}>{children}</AccountContext.Provider>;
}

/** `/`, `/settings` and `/settings/api` lead to the same page of the default account. */
export function RedirectToDefaultAccount({ to }: { to: 'settings' | 'api' }) {
  const me = useMe();
  const account = me.data ? defaultAccount(me.data.accounts) : undefined;
  if (!account) return <NotFoundPanel title="No account yet" message="Your user is not a member of any account. Ask an Account Administrator to add you." />;
  return <Navigate to={to === 'api' ? routes.apiPage(account.id) : routes.settings(account.id)} replace />;
}
