/** The signed-in frame: top navigation bar (product, account switcher, profile menu) and the page below it. */
import { AppShell, Box, Container, Group, Text, UnstyledButton } from '@mantine/core';
import { Link, Outlet, useMatch } from 'react-router';
import { useMe } from '../api/queries.js';
import { defaultAccount } from '../auth/account.js';
import { routes } from '../lib/routes.js';
import { AccountButton, ProfileButton } from './HeaderButtons.js';
import { MenuOnFirstUse } from './MenuOnFirstUse.js';
import { KeyIcon } from './icons.js';
import { lazyAfterFirstPage, useFirstPageDrawnMark } from '../lib/firstPage.js';

const loadMenus = () => import('./HeaderMenus.js');
const AccountSwitcherMenu = lazyAfterFirstPage(() => loadMenus().then((m) => ({ default: m.AccountSwitcherMenu })));
const ProfileMenu = lazyAfterFirstPage(() => loadMenus().then((m) => ({ default: m.ProfileMenu })));

export function AppLayout() {
  useFirstPageDrawnMark();
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
              {current && accounts.length > 1 && (
                <MenuOnFirstUse button={(props) => <AccountButton current={current} {...props} />} menu={<AccountSwitcherMenu accounts={accounts} current={current} />} />
              )}
              {current && accounts.length === 1 && (
                <Text size="sm" c="dimmed" visibleFrom="sm">
                  {current.name}
                </Text>
              )}
            </Group>
            <MenuOnFirstUse button={(props) => <ProfileButton me={me.data!} {...props} />} menu={<ProfileMenu me={me.data} account={current} />} />
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
