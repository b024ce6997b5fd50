/**
 * The app's QueryClient, with the rules every request shares: client errors are not retried,
 * an ended session sends the user to sign in (and back afterwards), and failed writes become toasts
 * unless the form that made them shows the server's field errors itself.
 */
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError, setCsrfToken } from './api/client.js';
import { notifyError } from './lib/notify.js';
import { INVITE_PATH } from '../../src/domain/invites.js';

/** The pages a signed-out visitor uses; every other page needs the session. */
const PUBLIC_PATHS = ['/login', '/setup', INVITE_PATH];

const isUnauthenticated = (error: unknown) => isApiError(error) && error.status === 401;

/** `signIn` opens the sign-in page, which returns to `returnTo` afterwards (main.tsx gives it the router). */
export function createQueryClient(signIn: (returnTo: string) => void): QueryClient {
  function onSessionEnded(): void {
    const { pathname, search } = window.location;
    if (PUBLIC_PATHS.includes(pathname)) return;
    setCsrfToken(null);
    // The login page empties the cache once it is on screen (emptied here, the pages still mounted would refetch).
    signIn(pathname + search);
  }

  return new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        if (isUnauthenticated(error)) onSessionEnded();
      },
    }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        // On /login and /setup a 401 means wrong credentials: the form says so, nothing redirects.
        if (isUnauthenticated(error)) return onSessionEnded();
        if (mutation.meta?.silentErrors) return;
        if (mutation.meta?.inlineFieldErrors && isApiError(error) && error.status === 400) return;
        notifyError(error);
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        retry: (failures, error) => !(isApiError(error) && error.status >= 400 && error.status < 500) && failures < 2,
      },
      mutations: { retry: false },
    },
  });
}
