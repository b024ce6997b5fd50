import { Outlet } from 'react-router';
import { useCurrentAccount } from '../../auth/account.js';
import { NoAccessPanel } from '../../components/Feedback.js';
import { NO_ACCESS_MESSAGE } from '../../lib/access.js';
import { routes } from '../../lib/routes.js';

/** Every API page needs a role that may manage tokens; others get an explanation, not a broken page. */
export default function ApiGate() {
  const { account, canManageTokens } = useCurrentAccount();
  return canManageTokens ? <Outlet /> : <NoAccessPanel title="No access to API settings" message={NO_ACCESS_MESSAGE} backTo={routes.settings(account.id)} />;
}
