import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/dates/styles.css';
import './styles.css';

import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { NewSecretProvider } from './components/NewSecretDialog.js';
import { queryClient } from './queryClient.js';
import { router } from './router.js';
import { cssVariablesResolver, theme } from './theme.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
      {/* Bottom right: toasts never cover the page actions and menus at the top right. */}
      <Notifications position="bottom-right" limit={4} />
      <QueryClientProvider client={queryClient}>
        <NewSecretProvider>
          <RouterProvider router={router} />
        </NewSecretProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
