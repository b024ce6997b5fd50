import { Anchor, Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { memo } from 'react';
import { Link } from 'react-router';
import type { ExposureDto, TokenDto } from '../../../../src/http/management/schemas.js';
import { CanaryBadge, StateBadge, VersionBadge } from '../../components/badges.js';
import { CopyValueButton } from '../../components/CopyValueButton.js';
import { LeakedBadge } from '../../components/LeakedBadge.js';
import { TokenMoreMenu } from '../../components/tokenActions/TokenMoreMenu.js';
import { formatDate, formatDateTime, formatRelative, maskSecret, pluralize } from '../../lib/format.js';
import { routes } from '../../lib/routes.js';

/**
 * One token in the list (scoped, or a canary, which has no version or scopes to show). The name is a link stretched
 * over the card, so the whole card opens the token. `exposure`: the token's latest leak report, if any (its page lists them all).
 */
export const TokenCard = memo(function TokenCard({ token, latestVersion, exposure }: { token: TokenDto; latestVersion: number | undefined; exposure?: ExposureDto }) {
  return (
    <Card className="token-card" pos="relative" component="article" aria-labelledby={`token-${token.id}-name`} bg="white">
      <Stack gap="sm" h="100%">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Stack gap={4} style={{ minWidth: 0 }}>
            <Anchor
              component={Link}
              to={routes.token(token.accountId, token.id)}
              className="card-link"
              fw={600}
              c="var(--mantine-color-text)"
              id={`token-${token.id}-name`}
              truncate
            >
              {token.name}
            </Anchor>
            <Group gap={6}>
              {token.kind === 'canary' && <CanaryBadge />}
              <StateBadge state={token.state} />
              {token.kind !== 'canary' && <VersionBadge version={token.apiVersion} latest={latestVersion} />}
              <LeakedBadge exposure={exposure} />
            </Group>
          </Stack>
          <TokenMoreMenu token={token} className="above-card-link" />
        </Group>

        <Text size="sm" c={token.description ? 'gray.7' : 'dimmed'} className="clamp-2" mih={42}>
          {token.description || 'No description'}
        </Text>

        <SimpleGrid cols={3} spacing="xs">
          <Fact label="Created on" value={formatDate(token.createdAt)} />
          <Fact
            label="Last used"
            value={token.lastUsedAt ? formatRelative(token.lastUsedAt) : 'Never used'}
            title={token.lastUsedAt ? formatDateTime(token.lastUsedAt) : undefined}
          />
          {token.kind === 'canary' ? <Fact label="Uses" value="Alert the contacts" /> : <Fact label="Scopes" value={pluralize(token.scopes.length, 'scope')} />}
        </SimpleGrid>

        <Group gap={6} wrap="nowrap" mt="auto">
          <Text size="xs" c="dimmed">
            Account SID
          </Text>
          <Text size="sm" className="secret" aria-label={`Account SID ending in ${token.accountSid.slice(-4)}`}>
            {maskSecret(token.accountSid)}
          </Text>
          <CopyValueButton label="Account SID" value={token.accountSid} className="above-card-link" />
        </Group>
      </Stack>
    </Card>
  );
});

function Fact({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={500} title={title}>
        {value}
      </Text>
    </div>
  );
}
