/**
 * The header's menus (AppLayout.tsx), loaded and mounted on their first use: each opens at once, around the
 * button that was clicked, and keeps the focus on it.
 */
import { Menu, Text } from '@mantine/core';
import { useLocation, useNavigate } from 'react-router';
import type { MeDto } from '../../../src/http/management/schemas.js';
import { useSignOut } from '../api/mutations.js';
import type { Membership } from '../auth/account.js';
import { mayManageTokens, roleLabel } from '../lib/access.js';
import { routes } from '../lib/routes.js';
import { AccountButton, ProfileButton } from './HeaderButtons.js';
import { LogoutIcon, SettingsIcon } from './icons.js';
import { useFocusOnMount } from './MenuOnFirstUse.js';

/** Switching account keeps the user in the same part of Settings when the new account allows it. */
export function AccountSwitcherMenu({ accounts, current }: { accounts: Membership[]; current: Membership }) {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const target = useFocusOnMount();
  const onApiPages = pathname.includes('/settings/api');
  const go = (account: Membership) =>
    navigate(onApiPages && mayManageTokens(account.role) ? routes.apiPage(account.id) : routes.settings(account.id));
  return (
    <Menu position="bottom-start" width={260} defaultOpened>
      <Menu.Target>
        <AccountButton ref={target} current={current} />
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Switch account</Menu.Label>
        {accounts.map((account) => (
          <Menu.Item key={account.id} onClick={() => go(account)} aria-current={account.id === current.id ? 'true' : undefined}>
            <Text size="sm" fw={account.id === current.id ? 600 : 400}>
              {account.name}
            </Text>
            <Text size="xs" c="dimmed">
              {roleLabel(account.role)}
            </Text>
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

export function ProfileMenu({ me, account }: { me: MeDto; account: Membership | undefined }) {
  const navigate = useNavigate();
  const signOut = useSignOut();
  const target = useFocusOnMount();
  const displayName = me.user.name || me.user.email;
  return (
    <Menu position="bottom-end" width={240} defaultOpened>
      <Menu.Target>
        <ProfileButton ref={target} me={me} />
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          <Text size="sm" fw={600} c="var(--mantine-color-text)">
            {displayName}
          </Text>
          <Text size="xs" c="dimmed">
            {me.user.email}
          </Text>
        </Menu.Label>
        <Menu.Divider />
        {account && (
          <Menu.Item leftSection={<SettingsIcon size={16} />} onClick={() => navigate(routes.settings(account.id))}>
            Settings
          </Menu.Item>
        )}
        {/* Signing out also leaves for the login page (see useSignOut). */}
        <Menu.Item leftSection={<LogoutIcon size={16} />} onClick={() => signOut.mutate()}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
