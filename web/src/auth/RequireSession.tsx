import { Navigate, Outlet, useLocation } from 'react-router';
import { useMe } from '../api/queries.js';
import { FullPageLoader, LoadError } from '../components/Feedback.js';
import { routes } from '../lib/routes.js';

/** Everything behind sign-in. Without a session the user goes to the login page and comes back here afterwards. */
export function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <FullPageLoader label="Loading your session" />;
  if (me.isError) return <LoadError error={me.error} onRetry={() => void me.refetch()} />;
  if (me.data === null) return <Navigate to={routes.login(location.pathname + location.search)} replace />;
  return <Outlet />;
}
