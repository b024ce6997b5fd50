/**
 * Every page and its address. The account is part of the path so that any page, reloaded or shared,
 * opens on the same account; pages behind sign-in load on demand to keep the first paint small, and their
 * data (pageData.ts) is asked for at the same time as their code.
 */
import type { QueryClient } from '@tanstack/react-query';
import { type ComponentType, useLayoutEffect } from 'react';
import { createBrowserRouter, type LoaderFunctionArgs, Navigate, Outlet, RouterProvider, ScrollRestoration } from 'react-router';
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
import { apiPageData, createTokenData, sessionData, tokenPageData } from './pageData.js';

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

/**
 * The app's router and its provider. main.tsx renders the first screen in a transition, which React may interrupt
 * between rendering RouterProvider and committing it; RouterProvider subscribes to the router only as it commits,
 * so a first navigation ending in between would go unseen and leave its loader on screen. The first navigation
 * therefore ends only once the provider listens: every page it can be async for sits under a loader of `dataOf`
 * (RequireSession's), which on the first load also waits for `AppRouterProvider` to call `providerListens`.
 */
export function createAppRouter(queryClient: QueryClient) {
  let firstLoad = true;
  let markListening: () => void = () => undefined;
  const providerListening = new Promise<void>((resolve) => {
    markListening = resolve;
  });
  /**
   * A loader that asks for a page's data. On the first load the router waits for it (and for its provider to
   * listen), so the page draws once, with its data, in a transition React can interrupt (RouterProvider renders its
   * updates in one), rather than with loaders and then again, all at once, as each answer arrives. Later
   * navigations do not wait: the page opens at once and shows its own loaders meanwhile.
   */
  const dataOf =
    (fetch: (args: LoaderFunctionArgs) => Promise<void>) =>
    async (args: LoaderFunctionArgs): Promise<null> => {
      const fetched = fetch(args);
      if (firstLoad) await Promise.all([fetched, providerListening]);
      return null;
    };
  const param = (args: LoaderFunctionArgs, name: string) => args.params[name] ?? '';

  const router = createBrowserRouter([
    {
      element: <Root />,
      children: [
        { path: '/login', element: <LoginPage />, errorElement: <RouteErrorPage /> },
        { path: '/setup', element: <SetupPage />, errorElement: <RouteErrorPage /> },
        { path: INVITE_PATH, element: <InvitePage />, errorElement: <RouteErrorPage /> },
        {
          element: <RequireSession />,
          loader: dataOf(() => sessionData(queryClient)),
          // Shown while the code and the data of a signed-in page first load.
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
                        {
                          index: true,
                          loader: dataOf((args) => apiPageData(queryClient, param(args, 'accountId'), new URL(args.request.url).searchParams)),
                          lazy: page(() => import('./pages/api/ApiPage.js')),
                        },
                        {
                          path: 'tokens/new',
                          loader: dataOf((args) => createTokenData(queryClient, param(args, 'accountId'))),
                          lazy: page(() => import('./pages/create/CreateTokenPage.js')),
                        },
                        {
                          path: 'tokens/:tokenId',
                          loader: dataOf((args) => tokenPageData(queryClient, param(args, 'accountId'), param(args, 'tokenId'))),
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
  // The first load ends as the router is created for a page without loaders (sign-in), else once they are done.
  if (router.state.initialized) firstLoad = false;
  else {
    const unsubscribe = router.subscribe((state) => {
      if (!state.initialized) return;
      unsubscribe();
      firstLoad = false;
    });
  }
  return { router, providerListens: markListening };
}

/**
 * RouterProvider, which subscribes to the router in a layout effect; this parent's own runs after it, once it
 * listens, and calls `onListening` (createAppRouter's `providerListens`).
 */
export function AppRouterProvider({ router, onListening }: { router: ReturnType<typeof createBrowserRouter>; onListening: () => void }) {
  useLayoutEffect(onListening, [onListening]);
  return <RouterProvider router={router} />;
}
