/** Activity: how the token has been used (30-day chart, last use) and who changed what (the audit trail). */
import { Badge, Code, Group, Paper, SimpleGrid, Stack, Text, Timeline, Title, Tooltip } from '@mantine/core';
import type { AuditEventDto, TokenDto, UsageDto } from '../../../../src/http/schemas.js';
import { useTokenEvents, useTokenUsage } from '../../api/queries.js';
import { LoadError, SectionLoader } from '../../components/Feedback.js';
import { UsageChart } from '../../components/UsageChart.js';
import { formatDateTime, formatRelative } from '../../lib/format.js';
import { useTokenOfPage } from './TokenLayout.js';

export default function ActivitySection() {
  const token = useTokenOfPage();
  return (
    <Stack gap="lg">
      <UsagePanel token={token} />
      <AuditTrail token={token} />
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
            {code}: {n.toLocaleString()}
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

// The server's audit actions (src/tokens/audit.ts), as a person would say them.
const ACTION_LABELS: Record<string, string> = {
  'token.create': 'Created',
  'token.update': 'Settings changed',
  'token.duplicate': 'Duplicated',
  'token.reset': 'Auth Token reset',
  'token.upgrade': 'API version upgraded',
  'token.disable': 'Disabled',
  'token.enable': 'Enabled',
  'token.delete': 'Deleted',
  'token.reveal': 'Auth Token revealed',
};

/** A known action's label, or a readable form of any other ("token.some_action" → "Some action"). */
export function describeAction(action: string): string {
  if (ACTION_LABELS[action]) return ACTION_LABELS[action];
  const words = (action.split('.').pop() ?? action).replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function formatDetail(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.length ? value.map(formatDetail).join(', ') : 'none';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function AuditTrail({ token }: { token: TokenDto }) {
  const events = useTokenEvents(token.accountId, token.id);
  return (
    <Paper withBorder p="xl" bg="white">
      <Title order={2} size="h3" mb="md">
        Change history
      </Title>
      {events.isPending ? (
        <SectionLoader label="Loading the audit trail" />
      ) : events.isError ? (
        <LoadError error={events.error} onRetry={() => void events.refetch()} />
      ) : events.data.length === 0 ? (
        <Text c="dimmed" size="sm">
          Nothing recorded yet.
        </Text>
      ) : (
        <Timeline bulletSize={12} lineWidth={2} active={events.data.length}>
          {events.data.map((event) => (
            <Timeline.Item key={event.id} title={describeAction(event.action)}>
              <AuditEventBody event={event} />
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </Paper>
  );
}

function AuditEventBody({ event }: { event: AuditEventDto }) {
  const { ip, ...rest } = event.details;
  const details = Object.entries(rest);
  return (
    <Stack gap={4}>
      <Text size="xs" c="dimmed">
        <Tooltip label={formatRelative(event.at)}>
          <time dateTime={event.at}>{formatDateTime(event.at)}</time>
        </Tooltip>{' '}
        · {event.actorEmail ?? (event.actorUserId ? 'a user' : 'the system')}
        {typeof ip === 'string' ? ` from ${ip}` : ''}
      </Text>
      {details.length > 0 && (
        <Stack gap={2}>
          {details.map(([key, value]) => (
            <Text key={key} size="xs" style={{ overflowWrap: 'anywhere' }}>
              <Code>{key}</Code> {formatDetail(value)}
            </Text>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
