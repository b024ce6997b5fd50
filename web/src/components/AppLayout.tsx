/** The signed-in frame: top navigation bar (product, account switcher, profile menu) and the page below it. */
import { AppShell, Avatar, Box, Button, Container, Group, Menu, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { Link, Outlet, useLocation, useMatch, useNavigate } from 'react-router';
import type { MeDto } from '../../../src/http/management/schemas.js';
import { useSignOut } from '../api/mutations.js';
import { useMe } from '../api/queries.js';
import { defaultAccount, type Membership } from '../auth/account.js';
import { mayManageTokens, roleLabel } from '../lib/access.js';
import { routes } from '../lib/routes.js';
import { KeyIcon, LogoutIcon, SettingsIcon } from './icons.js';

export function AppLayout() {
  const me = useMe();
  const match = useMatch('/accounts/:accountId/*');
  if (!me.data) return null; // RequireSession renders this only with a session
  const accounts = me.data.accounts;
  const current = accounts.find((a) => a.id === match?.params.accountId) ?? defaultAccount(accounts);
  return (
    <AppShell header={{ height: 60 }} padding={0}>
      <AppShell.Header>
        <Container size="xl" h="100%">
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="lg" wrap="nowrap">
              <ProductMark to={current ? routes.settings(current.id) : '/'} />
              {current && accounts.length > 1 && <AccountSwitcher accounts={accounts} current={current} />}
              {current && accounts.length === 1 && (
                <Text size="sm" c="dimmed" visibleFrom="sm">
                  {current.name}
                </Text>
              )}
            </Group>
            <ProfileMenu me={me.data} account={current} />
          </Group>
        </Container>
      </AppShell.Header>
      <AppShell.Main>
        <Container size="xl" py="xl">
          <Outlet />
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}

function ProductMark({ to }: { to: string }) {
  return (
    <UnstyledButton component={Link} to={to} aria-label="Sidekey home">
      <Group gap={8} wrap="nowrap">
        <Box
          w={30}
          h={30}
          bg="brand.7"
          c="white"
          style={{ borderRadius: 8, display: 'grid', placeItems: 'center' }}
          aria-hidden="true"
        >
          <KeyIcon size={18} />
        </Box>
        <Text fw={700} size="lg">
          Sidekey
        </Text>
      </Group>
    </UnstyledButton>
  );
}

/** Switching account keeps the user in the same part of Settings when the new account allows it. */
function AccountSwitcher({ accounts, current }: { accounts: Membership[]; current: Membership }) {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const onApiPages = pathname.includes('/settings/api');
  const go = (account: Membership) =>
    navigate(onApiPages && mayManageTokens(account.role) ? routes.apiPage(account.id) : routes.settings(account.id));
  return (
    <Menu position="bottom-start" width={260}>
      <Menu.Target>
        <Button variant="default" size="xs" aria-label={`Account: ${current.name}. Switch account`}>
          {current.name}
        </Button>
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

function initials(name: string, email: string): string {
  const words = (name || email).split(/[\s@.]+/).filter(Boolean);
  return words
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

function ProfileMenu({ me, account }: { me: MeDto; account: Membership | undefined }) {
  const navigate = useNavigate();
  const signOut = useSignOut();
  const displayName = me.user.name || me.user.email;
  return (
    <Menu position="bottom-end" width={240}>
      <Menu.Target>
        {/* Named by its visible text (WCAG "label in name"); the initials are decoration. */}
        <UnstyledButton>
          <Group gap="xs" wrap="nowrap">
            <Avatar color="brand" radius="xl" size={34} aria-hidden="true">
              {initials(me.user.name, me.user.email)}
            </Avatar>
            <VisuallyHidden>User menu for</VisuallyHidden>
            <Text size="sm" fw={500} visibleFrom="sm">
              {displayName}
            </Text>
          </Group>
        </UnstyledButton>
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
