import './mantine.css';
import 'virtual:mantine-theme-variables.css';
import './styles.css';

import { MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { NewSecretProvider } from './components/NewSecretDialog.js';
import { firstPageDrawn } from './lib/firstPage.js';
import { routes } from './lib/routes.js';
import { createQueryClient } from './queryClient.js';
import { AppRouterProvider, createAppRouter } from './router.js';
import { theme } from './theme.js';

const Toasts = lazy(() => firstPageDrawn.then(() => import('./components/Toasts.js')));

const queryClient = createQueryClient((returnTo) => void router.navigate(routes.login(returnTo), { replace: true }));
const { router, providerListens } = createAppRouter(queryClient);

// The first screen renders in a transition, which React splits into short tasks (the browser stays responsive and
// can paint between them) instead of one long one; createAppRouter makes the first navigation wait for the
// provider to listen. The page itself comes in the router's own transition, the toasts' container and the secret
// dialog after it.
const root = createRoot(document.getElementById('root')!);
startTransition(() => {
  root.render(
    <StrictMode>
      <MantineProvider theme={theme} withCssVariables={false} defaultColorScheme="light">
        <Suspense fallback={null}>
          <Toasts />
        </Suspense>
        <QueryClientProvider client={queryClient}>
          <NewSecretProvider>
            <AppRouterProvider router={router} onListening={providerListens} />
          </NewSecretProvider>
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
});
