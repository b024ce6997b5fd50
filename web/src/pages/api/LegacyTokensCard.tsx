import { ActionIcon, Anchor, Card, Divider, Group, Stack, Text, Title } from '@mantine/core';
import { Fragment } from 'react';
import { Link } from 'react-router';
import type { ExposureDto } from '../../../../src/http/management/schemas.js';
import { useExposedTokens } from '../../api/exposures.js';
import { useCatalog, useLegacyTokens } from '../../api/queries.js';
import { StateBadge, VersionBadge } from '../../components/badges.js';
import { LeakedBadge } from '../../components/LeakedBadge.js';
import { CopyValueButton } from '../../components/CopyValueButton.js';
import { SectionLoader } from '../../components/Feedback.js';
import { DotsIcon } from '../../components/icons.js';
import { MenuOnFirstUse } from '../../components/MenuOnFirstUse.js';
import { lazyAfterFirstPage } from '../../lib/firstPage.js';
import { formatDateTime, formatRelative, maskSecret } from '../../lib/format.js';
import { routes } from '../../lib/routes.js';
import { latestVersion } from '../../lib/scopes.js';
import type { PairToken } from './LegacyMoreMenu.js';

const LegacyMoreMenu = lazyAfterFirstPage(() => import('./LegacyMoreMenu.js'));

const PAIRS = [
  { key: 'readWrite', label: 'Read/Write', access: 'Every endpoint, every method' },
  { key: 'readOnly', label: 'Read-Only', access: 'Every endpoint, GET only' },
] as const;


/** The account-wide Read/Write and Read-Only pair, on one card with one [More] menu that acts on each pair separately. */
export function LegacyTokensCard({ accountId }: { accountId: string }) {
  const legacy = useLegacyTokens(accountId);
  const catalog = useCatalog();
  const exposed = useExposedTokens(accountId);
  const latest = catalog.data ? latestVersion(catalog.data) : undefined;
  const pairs: PairToken[] = PAIRS.flatMap((p) => {
    const token = legacy.data?.[p.key];
    return token ? [{ token, label: p.label, access: p.access }] : [];
  });

  return (
    <Card component="section" aria-labelledby="legacy-tokens-title" bg="white">
      <Group justify="space-between" align="flex-start" wrap="nowrap" mb="sm">
        <Stack gap={2}>
          <Title order={2} size="h4" id="legacy-tokens-title">
            Legacy Account Tokens
          </Title>
          <Text size="sm" c="dimmed">
            Account-wide credentials with no scopes. Prefer scoped tokens that allow only what an integration needs.
          </Text>
        </Stack>
        {pairs.length > 0 && (
            <MenuOnFirstUse
              button={(plain) => (
                <ActionIcon variant="subtle" color="gray" aria-label="More actions for Legacy Account Tokens" {...plain}>
                  <DotsIcon />
                </ActionIcon>
              )}
              menu={<LegacyMoreMenu pairs={pairs} />}
            />
          )}
      </Group>
      {legacy.isPending ? (
        <SectionLoader label="Loading legacy tokens" />
      ) : pairs.length === 0 ? (
        <Text size="sm" c="dimmed">
          No legacy tokens were found for this account.
        </Text>
      ) : (
        <Stack gap="sm">
          {pairs.map((pair, i) => (
            <Fragment key={pair.token.id}>
              {i > 0 && <Divider />}
              <LegacyPairRow pair={pair} latest={latest} exposure={exposed.data?.get(pair.token.id)} />
            </Fragment>
          ))}
        </Stack>
      )}
    </Card>
  );
}

function LegacyPairRow({ pair: { token, label, access }, latest, exposure }: { pair: PairToken; latest: number | undefined; exposure: ExposureDto | undefined }) {
  return (
    <Group justify="space-between" wrap="wrap" gap="sm">
      <Stack gap={4}>
        <Group gap="xs">
          <Anchor component={Link} to={routes.token(token.accountId, token.id, 'credentials')} fw={600}>
            {label}
          </Anchor>
          <StateBadge state={token.state} />
          <VersionBadge version={token.apiVersion} latest={latest} />
          <LeakedBadge exposure={exposure} />
        </Group>
        <Text size="xs" c="dimmed">
          {access} · {token.lastUsedAt ? <span title={formatDateTime(token.lastUsedAt)}>last used {formatRelative(token.lastUsedAt)}</span> : 'never used'}
        </Text>
      </Stack>
      <Group gap={6} wrap="nowrap">
        <Text size="xs" c="dimmed">
          Account SID
        </Text>
        <Text size="sm" className="secret">
          {maskSecret(token.accountSid)}
        </Text>
        <CopyValueButton label={`${label} Account SID`} value={token.accountSid} />
      </Group>
    </Group>
  );
}
