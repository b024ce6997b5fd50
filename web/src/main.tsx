import './mantine.css';
import './styles.css';

import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { NewSecretProvider } from './components/NewSecretDialog.js';
import { meQuery } from './api/queries.js';
import { PUBLIC_PATHS, queryClient } from './queryClient.js';
import { router } from './router.js';
import { cssVariablesResolver, theme } from './theme.js';

// A signed-in page needs the session before anything else: ask for it while the page's code is still loading.
if (!PUBLIC_PATHS.includes(window.location.pathname)) void queryClient.prefetchQuery(meQuery);

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
