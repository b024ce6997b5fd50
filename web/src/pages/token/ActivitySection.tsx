/** Activity: how the token has been used (30-day chart, last use), who changed what (the audit trail), and what was sent about it. */
import { Badge, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { TokenDto, UsageDto } from '../../../../src/http/management/schemas.js';
import { useTokenUsage } from '../../api/queries.js';
import { LoadError, SectionLoader } from '../../components/Feedback.js';
import { UsageChart } from '../../components/UsageChart.js';
import { formatCount, formatDateTime, formatRelative } from '../../lib/format.js';
import { AuditTrail } from './AuditTrail.js';
import { LifecycleEventsPanel } from './LifecycleEventsPanel.js';
import { useTokenOfPage } from './TokenLayout.js';

export default function ActivitySection() {
  const token = useTokenOfPage();
  return (
    <Stack gap="lg">
      <UsagePanel token={token} />
      <AuditTrail token={token} />
      <LifecycleEventsPanel token={token} />
    </Stack>
  );
}

function UsagePanel({ token }: { token: TokenDto }) {
  const usage = useTokenUsage(token.accountId, token.id);
  return (
    <Paper withBorder p="xl" bg="white">
      <Title order={2} size="h3" mb="md">
        Usage in the last 30 days
      </Title>
      {usage.isPending ? (
        <SectionLoader label="Loading usage" />
      ) : usage.isError ? (
        <LoadError error={usage.error} onRetry={() => void usage.refetch()} />
      ) : (
        <Stack gap="lg">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Fact label="Last used" value={usage.data.lastUsedAt ? formatDateTime(usage.data.lastUsedAt) : 'Never used'} hint={usage.data.lastUsedAt ? formatRelative(usage.data.lastUsedAt) : undefined} />
            <Fact label="Last used from" value={usage.data.lastUsedIp ?? '—'} />
          </SimpleGrid>
          <UsageChart days={usage.data.days} />
          <RefusalReasons days={usage.data.days} />
        </Stack>
      )}
    </Paper>
  );
}

/** Refusals by reason (e.g. a missing scope, the rate limit): a spike here is the first sign of a broken or abused integration. */
function RefusalReasons({ days }: { days: UsageDto['days'] }) {
  const totals = new Map<string, number>();
  for (const day of days) for (const [code, n] of Object.entries(day.denied)) totals.set(code, (totals.get(code) ?? 0) + n);
  if (totals.size === 0) return null;
  return (
    <Group gap="xs">
      <Text size="sm" c="dimmed">
        Refused by reason:
      </Text>
      {[...totals.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => (
          <Badge key={code} color="red" variant="light" tt="none">
            {code}: {formatCount(n)}
          </Badge>
        ))}
    </Group>
  );
}

function Fact({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={500}>
        {value}
        {hint && (
          <Text span c="dimmed" size="sm" fw={400}>
            {' '}
            ({hint})
          </Text>
        )}
      </Text>
    </div>
  );
}
