/** Settings, laid out as the product does: columns of sections; the Account column's Technical section holds API. */
import { Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useMe } from '../../api/queries.js';
import { useCurrentAccount } from '../../auth/account.js';
import { KeyIcon } from '../../components/icons.js';
import { mayManageAccountSettings, mayManageUsers, roleLabel } from '../../lib/access.js';
import { routes } from '../../lib/routes.js';

export default function SettingsPage() {
  const { account, canManageTokens } = useCurrentAccount();
  const me = useMe();
  const user = me.data?.user;
  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>Settings</Title>
        <Text c="dimmed">{account.name}</Text>
      </div>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="lg">
        <SettingsColumn title="User">
          <SettingsSection title="Profile">
            <Detail label="Name" value={user?.name || '—'} />
            <Detail label="Email" value={user?.email ?? '—'} />
            <Anchor component={Link} to={routes.profile(account.id)} fw={500} size="sm">
              Edit name and password
            </Anchor>
          </SettingsSection>
        </SettingsColumn>
        <SettingsColumn title="Account">
          <SettingsSection title="General">
            <Detail label="Account" value={account.name} />
            <Detail label="Your role" value={roleLabel(account.role)} />
          </SettingsSection>
          {mayManageUsers(account.role) && (
            <SettingsSection title="Users">
              <Anchor component={Link} to={routes.users(account.id)} fw={500} size="sm">
                Users and roles
              </Anchor>
            </SettingsSection>
          )}
          <SettingsSection title="Technical">
            {canManageTokens ? (
              <Anchor component={Link} to={routes.apiPage(account.id)} fw={500}>
                <Group gap={6} component="span" wrap="nowrap">
                  <KeyIcon size={16} />
                  API
                </Group>
              </Anchor>
            ) : (
              <Text size="sm" c="dimmed">
                No technical settings are available for your role.
              </Text>
            )}
          </SettingsSection>
          {mayManageAccountSettings(account.role) && (
            <SettingsSection title="Notifications">
              <Anchor component={Link} to={routes.webhooks(account.id)} fw={500}>
                Notifications &amp; webhooks
              </Anchor>
            </SettingsSection>
          )}
        </SettingsColumn>
      </SimpleGrid>
    </Stack>
  );
}

function SettingsColumn({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card component="section" aria-label={title}>
      <Title order={2} size="h4" mb="md">
        {title}
      </Title>
      <Stack gap="lg">{children}</Stack>
    </Card>
  );
}

function SettingsSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap={6}>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed" style={{ letterSpacing: '0.05em' }} component="h3" m={0}>
        {title}
      </Text>
      {children}
    </Stack>
  );
}

function Detail({ label, value }: { label: string; value: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Text size="sm" c="dimmed" w={80}>
        {label}
      </Text>
      <Text size="sm">{value}</Text>
    </Group>
  );
}
