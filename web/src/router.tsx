/**
 * Every page and its address. The account is part of the path so that any page, reloaded or shared,
 * opens on the same account; pages behind sign-in load on demand to keep the first paint small.
 */
import type { ComponentType } from 'react';
import { createBrowserRouter, Navigate, Outlet, ScrollRestoration } from 'react-router';
import { AccountScope, RedirectToDefaultAccount } from './auth/account.js';
import { RequireSession } from './auth/RequireSession.js';
import { AppLayout } from './components/AppLayout.js';
import { FullPageLoader, NotFoundPanel } from './components/Feedback.js';
import { RouteErrorPage } from './components/RouteErrorPage.js';
import { LoginPage } from './pages/LoginPage.js';
import ApiGate from './pages/api/ApiGate.js';
import { SetupPage } from './pages/SetupPage.js';
import { InvitePage } from './pages/InvitePage.js';
import { INVITE_PATH } from '../../src/domain/invites.js';

/**
 * A page loaded on demand. The router fetches the code of every route an address matches at once (the token
 * layout and its section in parallel, while main.tsx fetches the session), instead of one after the other.
 */
const page = (load: () => Promise<{ default: ComponentType }>) => async () => ({ Component: (await load()).default });

/**
 * The frame of every route. A new page (a link, a redirect, Create's jump to the new token) opens at its top
 * instead of keeping the previous page's scroll position; Back and Forward return to where the user was on
 * that history entry. A change that stays on the page, such as a list filter, passes `preventScrollReset`.
 */
function Root() {
  return (
    <>
      <ScrollRestoration />
      <Outlet />
    </>
  );
}

export const router = createBrowserRouter([
  {
    element: <Root />,
    children: [
      { path: '/login', element: <LoginPage />, errorElement: <RouteErrorPage /> },
      { path: '/setup', element: <SetupPage />, errorElement: <RouteErrorPage /> },
      { path: INVITE_PATH, element: <InvitePage />, errorElement: <RouteErrorPage /> },
      {
        element: <RequireSession />,
        // Shown while the code of a signed-in page first loads.
        hydrateFallbackElement: <FullPageLoader label="Loading page" />,
        errorElement: <RouteErrorPage />,
        children: [
          {
            element: <AppLayout />,
            children: [
              { index: true, element: <RedirectToDefaultAccount to="settings" /> },
              { path: 'settings', element: <RedirectToDefaultAccount to="settings" /> },
              { path: 'settings/api', element: <RedirectToDefaultAccount to="api" /> },
              {
                path: 'accounts/:accountId',
                element: <AccountScope />,
                children: [
                  { index: true, element: <Navigate to="settings" replace /> },
                  { path: 'settings', lazy: page(() => import('./pages/settings/SettingsPage.js')) },
                  { path: 'settings/webhooks', lazy: page(() => import('./pages/webhooks/WebhooksPage.js')) },
                  { path: 'settings/profile', lazy: page(() => import('./pages/settings/ProfilePage.js')) },
                  { path: 'settings/users', lazy: page(() => import('./pages/settings/UsersPage.js')) },
                  {
                    path: 'settings/api',
                    element: <ApiGate />,
                    children: [
                      { index: true, lazy: page(() => import('./pages/api/ApiPage.js')) },
                      { path: 'tokens/new', lazy: page(() => import('./pages/create/CreateTokenPage.js')) },
                      {
                        path: 'tokens/:tokenId',
                        lazy: page(() => import('./pages/token/TokenLayout.js')),
                        children: [
                          { index: true, element: <Navigate to="overview" replace /> },
                          { path: 'overview', lazy: page(() => import('./pages/token/OverviewSection.js')) },
                          { path: 'credentials', lazy: page(() => import('./pages/token/CredentialsSection.js')) },
                          { path: 'scopes', lazy: page(() => import('./pages/token/ScopesSection.js')) },
                          { path: 'activity', lazy: page(() => import('./pages/token/ActivitySection.js')) },
                        ],
                      },
                    ],
                  },
                ],
              },
              { path: '*', element: <NotFoundPanel title="Page not found" message="There is nothing at this address." /> },
            ],
          },
        ],
      },
    ],
  },
]);
