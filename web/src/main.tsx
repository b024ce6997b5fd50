import './mantine.css';
import './styles.css';

import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { NewSecretProvider } from './components/NewSecretDialog.js';
import { routes } from './lib/routes.js';
import { createQueryClient } from './queryClient.js';
import { createAppRouter } from './router.js';
import { cssVariablesResolver, theme } from './theme.js';

const queryClient = createQueryClient((returnTo) => void router.navigate(routes.login(returnTo), { replace: true }));
const router = createAppRouter(queryClient);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
      {/* Top centre under the header (styles.css): clear of the menus at the top right and of the Update and Discard buttons at the bottom of forms. */}
      <Notifications position="top-center" limit={4} />
      <QueryClientProvider client={queryClient}>
        <NewSecretProvider>
          <RouterProvider router={router} />
        </NewSecretProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
