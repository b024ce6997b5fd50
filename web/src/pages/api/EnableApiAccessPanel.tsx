import { Button, List, Paper, Stack, Text, Title } from '@mantine/core';
import { useEnableApiAccess } from '../../api/mutations.js';
import { notifySuccess } from '../../lib/notify.js';

/** Shown while the account's API access is off: what turning it on means, and the button that does it. */
export function EnableApiAccessPanel({ accountId }: { accountId: string }) {
  const enable = useEnableApiAccess(accountId);
  return (
    <Paper withBorder p="xl" bg="white" maw={720}>
      <Stack gap="md" align="flex-start">
        <Title order={2} size="h3">
          API access is off for this account
        </Title>
        <Text>
          Turn it on to create access tokens for your integrations. Each token has its own Account SID and Auth Token, only the scopes you
          grant it, and an audit trail of every change.
        </Text>
        <List size="sm" spacing={4}>
          <List.Item>Only Account Administrators and Implementation Specialists can enable API access and manage tokens.</List.Item>
          <List.Item>Requests are refused until a token exists and is enabled.</List.Item>
        </List>
        <Button
          size="md"
          loading={enable.isPending}
          onClick={() => enable.mutate(undefined, { onSuccess: () => notifySuccess('You can now create access tokens.', 'API access enabled') })}
        >
          Enable API Access
        </Button>
      </Stack>
    </Paper>
  );
}
