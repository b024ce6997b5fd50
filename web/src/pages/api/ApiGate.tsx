import { Outlet } from 'react-router';
import { useCurrentAccount } from '../../auth/account.js';
import { NoAccessPanel } from '../../components/Feedback.js';
import { NO_ACCESS_MESSAGE } from '../../lib/access.js';

/** Every API page needs a role that may manage tokens; others get an explanation, not a broken page. */
export default function ApiGate() {
  const { canManageTokens } = useCurrentAccount();
  return canManageTokens ? <Outlet /> : <NoAccessPanel message={NO_ACCESS_MESSAGE} />;
}
