/**
 * Every page and its address. The account is part of the path so that any page, reloaded or shared,
 * opens on the same account; pages behind sign-in load on demand to keep the first paint small.
 */
import { lazy } from 'react';
import { createBrowserRouter, Navigate } from 'react-router';
import { AccountScope, RedirectToDefaultAccount } from './auth/account.js';
import { RequireSession } from './auth/RequireSession.js';
import { AppLayout } from './components/AppLayout.js';
import { NotFoundPanel } from './components/Feedback.js';
import { RouteErrorPage } from './components/RouteErrorPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { SetupPage } from './pages/SetupPage.js';
import { InvitePage } from './pages/InvitePage.js';
import { INVITE_PATH } from '../../src/domain/invites.js';

const SettingsPage = lazy(() => import('./pages/settings/SettingsPage.js'));
const WebhooksPage = lazy(() => import('./pages/webhooks/WebhooksPage.js'));
const ProfilePage = lazy(() => import('./pages/settings/ProfilePage.js'));
const UsersPage = lazy(() => import('./pages/settings/UsersPage.js'));
const ApiGate = lazy(() => import('./pages/api/ApiGate.js'));
const ApiPage = lazy(() => import('./pages/api/ApiPage.js'));
const CreateTokenPage = lazy(() => import('./pages/create/CreateTokenPage.js'));
const TokenLayout = lazy(() => import('./pages/token/TokenLayout.js'));
const TokenOverview = lazy(() => import('./pages/token/OverviewSection.js'));
const TokenCredentials = lazy(() => import('./pages/token/CredentialsSection.js'));
const TokenScopes = lazy(() => import('./pages/token/ScopesSection.js'));
const TokenActivity = lazy(() => import('./pages/token/ActivitySection.js'));

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage />, errorElement: <RouteErrorPage /> },
  { path: '/setup', element: <SetupPage />, errorElement: <RouteErrorPage /> },
  { path: INVITE_PATH, element: <InvitePage />, errorElement: <RouteErrorPage /> },
  {
    element: <RequireSession />,
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
              { path: 'settings', element: <SettingsPage /> },
              { path: 'settings/webhooks', element: <WebhooksPage /> },
              { path: 'settings/profile', element: <ProfilePage /> },
              { path: 'settings/users', element: <UsersPage /> },
              {
                path: 'settings/api',
                element: <ApiGate />,
                children: [
                  { index: true, element: <ApiPage /> },
                  { path: 'tokens/new', element: <CreateTokenPage /> },
                  {
                    path: 'tokens/:tokenId',
                    element: <TokenLayout />,
                    children: [
                      { index: true, element: <Navigate to="overview" replace /> },
                      { path: 'overview', element: <TokenOverview /> },
                      { path: 'credentials', element: <TokenCredentials /> },
                      { path: 'scopes', element: <TokenScopes /> },
                      { path: 'activity', element: <TokenActivity /> },
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
]);
