/** Settings → Technical → API: the account's access tokens as cards, with filters, legacy tokens and security tips. */
import { Button, Grid, Group, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useEnableLegacyTokens } from '../../api/mutations.js';
import { useApiSettings } from '../../api/queries.js';
import { useCurrentAccount } from '../../auth/account.js';
import { ApiBreadcrumbs } from '../../components/ApiBreadcrumbs.js';
import { LoadError, SectionLoader } from '../../components/Feedback.js';
import { PlusIcon } from '../../components/icons.js';
import { SecurityTipsPanel } from '../../components/SecurityTipsPanel.js';
import { notifySuccess } from '../../lib/notify.js';
import { routes } from '../../lib/routes.js';
import { EnableApiAccessPanel } from './EnableApiAccessPanel.js';
import { LegacyTokensCard } from './LegacyTokensCard.js';
import { TokenFilterBar } from './TokenFilterBar.js';
import { TokenList } from './TokenList.js';
import { useTokenFilters } from './useTokenFilters.js';

export default function ApiPage() {
  const { account } = useCurrentAccount();
  const settings = useApiSettings(account.id);
  const enabled = settings.data?.apiAccessEnabled === true;

  return (
    <Stack gap="lg">
      <ApiBreadcrumbs accountId={account.id} />
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div style={{ flex: '1 1 420px', minWidth: 0 }}>
          <Title order={1}>API</Title>
          <Text c="dimmed">Access tokens let your integrations call the {account.name} API with an Account SID and Auth Token.</Text>
        </div>
        {enabled && settings.data && <PageActions accountId={account.id} legacyEnabled={settings.data.legacyTokensEnabled} />}
      </Group>

      {settings.isPending ? (
        <SectionLoader label="Loading API settings" />
      ) : settings.isError ? (
        <LoadError error={settings.error} onRetry={() => void settings.refetch()} />
      ) : !enabled ? (
        <EnableApiAccessPanel accountId={account.id} />
      ) : (
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 9 }}>
            <Stack gap="lg">
              {settings.data.legacyTokensEnabled && <LegacyTokensCard accountId={account.id} />}
              <TokenListWithFilters accountId={account.id} />
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 3 }}>
            <SecurityTipsPanel />
          </Grid.Col>
        </Grid>
      )}
    </Stack>
  );
}

function PageActions({ accountId, legacyEnabled }: { accountId: string; legacyEnabled: boolean }) {
  const enableLegacy = useEnableLegacyTokens(accountId);
  return (
    <Group gap="sm">
      {/* Pressed once, for good: the button gives way to the Legacy Account Tokens card. */}
      {!legacyEnabled && (
        <Button
          variant="default"
          loading={enableLegacy.isPending}
          onClick={() => enableLegacy.mutate(undefined, { onSuccess: () => notifySuccess('The Read/Write and Read-Only account tokens are ready.', 'Legacy tokens enabled') })}
        >
          Enable Legacy Tokens
        </Button>
      )}
      <Button component={Link} to={routes.createToken(accountId)} leftSection={<PlusIcon size={16} />}>
        Create Access Token
      </Button>
    </Group>
  );
}

function TokenListWithFilters({ accountId }: { accountId: string }) {
  const filterState = useTokenFilters();
  return (
    <Stack gap="md">
      <TokenFilterBar {...filterState} />
      <TokenList accountId={accountId} filters={filterState.filters} filtered={filterState.active} onClearFilters={filterState.clearAll} />
    </Stack>
  );
}
