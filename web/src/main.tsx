import './mantine.css';
import 'virtual:mantine-theme-variables.css';
import './styles.css';

import { MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { NewSecretProvider } from './components/NewSecretDialog.js';
import { firstPageDrawn } from './lib/firstPage.js';
import { routes } from './lib/routes.js';
import { createQueryClient } from './queryClient.js';
import { createAppRouter } from './router.js';
import { theme } from './theme.js';

const Toasts = lazy(() => firstPageDrawn.then(() => import('./components/Toasts.js')));

const queryClient = createQueryClient((returnTo) => void router.navigate(routes.login(returnTo), { replace: true }));
const router = createAppRouter(queryClient);

// One synchronous render: RouterProvider reads the router's state as it renders and subscribes to it only as it
// commits, so a render that yields (a transition) could let the first navigation end in between, unseen, and keep
// the loader on screen. It draws little: the page comes in the router's own transition, the toasts' container and
// the secret dialog after it.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} withCssVariables={false} defaultColorScheme="light">
      <Suspense fallback={null}>
        <Toasts />
      </Suspense>
      <QueryClientProvider client={queryClient}>
        <NewSecretProvider>
          <RouterProvider router={router} />
        </NewSecretProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
