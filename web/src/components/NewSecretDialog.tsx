/**
 * The moment a new Auth Token exists (create, duplicate, reset) it is shown once, in a dialog that lives above
 * the router: navigating to the new token's page does not close it, and the secret is never put in the URL,
 * history state or cache. The dialog's code (NewSecretModal.tsx: Mantine's modal, its focus trap and scroll lock)
 * loads on its own once the first page is drawn (lib/firstPage.ts), not with it.
 */
import { createContext, Suspense, useCallback, useContext, useState, type ReactNode } from 'react';
import { lazyAfterFirstPage } from '../lib/firstPage.js';
import type { NewSecret } from './NewSecretModal.js';

const ShowNewSecretContext = createContext<((secret: NewSecret) => void) | null>(null);

export function useShowNewSecret(): (secret: NewSecret) => void {
  const show = useContext(ShowNewSecretContext);
  if (!show) throw new Error('useShowNewSecret needs <NewSecretProvider>');
  return show;
}

// Downloaded once the first page is drawn, so the first secret does not wait for it.
const NewSecretModal = lazyAfterFirstPage(() => import('./NewSecretModal.js'));

export function NewSecretProvider({ children }: { children: ReactNode }) {
  const [secret, setSecret] = useState<NewSecret | null>(null);
  // Mounted from the first secret on, so that closing it plays the modal's transition.
  const [shown, setShown] = useState(false);
  const show = useCallback((next: NewSecret) => {
    setSecret(next);
    setShown(true);
  }, []);
  return (
    <ShowNewSecretContext.Provider value={show}>
      {children}
      {shown && (
        <Suspense fallback={null}>
          <NewSecretModal secret={secret} onClose={() => setSecret(null)} />
        </Suspense>
      )}
    </ShowNewSecretContext.Provider>
  );
}
