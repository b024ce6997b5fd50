/**
 * The token's change history: who changed what and when, in words (lib/auditDetails.ts does the wording).
 * Scopes show by name with their method, people by name, the other side of a duplicate as a link.
 */
// Styles of a Mantine component that only code loaded on demand renders travel with that code (see mantine.css).
import '@mantine/core/styles/Timeline.css';
import { Anchor, Badge, Box, Group, Paper, Stack, Text, Timeline, Title, Tooltip, VisuallyHidden } from '@mantine/core';
import { Fragment, useMemo } from 'react';
import { Link } from 'react-router';
import type { AuditEventDto, TokenDto } from '../../../../src/http/management/schemas.js';
import { isApiError } from '../../api/client.js';
import { useAccountUsers, useCatalog, useToken, useTokenEvents } from '../../api/queries.js';
import { MethodBadge } from '../../components/badges.js';
import { LoadError, SectionLoader } from '../../components/Feedback.js';
import { type AuditContext, type AuditItem, type AuditLine, describeAuditEvent } from '../../lib/auditDetails.js';
import { formatDateTime, formatRelative } from '../../lib/format.js';
import { routes } from '../../lib/routes.js';
import { indexScopes } from '../../lib/scopes.js';
import { tokenTitle } from '../../lib/tokenLabels.js';

export function AuditTrail({ token }: { token: TokenDto }) {
  const events = useTokenEvents(token.accountId, token.id);
  const catalog = useCatalog();
  const users = useAccountUsers(token.accountId);
  const context = useMemo<AuditContext>(
    () => ({
      scopes: catalog.data ? indexScopes(catalog.data) : undefined,
      users: users.data ? new Map(users.data.map((u) => [u.id, { name: u.name, email: u.email }])) : undefined,
      currentName: token.name,
    }),
    [catalog.data, users.data, token.name],
  );

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
            <AuditEntry key={event.id} event={event} context={context} accountId={token.accountId} />
          ))}
        </Timeline>
      )}
    </Paper>
  );
}

function AuditEntry({ event, context, accountId, ...timelineProps }: { event: AuditEventDto; context: AuditContext; accountId: string }) {
  const d = describeAuditEvent(event, context);
  return (
    // Timeline passes each item its position props; they must reach Timeline.Item.
    <Timeline.Item {...timelineProps} title={d.title}>
      <Stack gap={6}>
        <Group gap={6} wrap="wrap">
          <Text size="xs" c="dimmed">
            <Tooltip label={formatRelative(event.at)}>
              <time dateTime={event.at}>{formatDateTime(event.at)}</time>
            </Tooltip>
            {' · '}
            <span title={event.actorEmail ?? undefined}>{d.actor}</span>
            {d.ip && ` · from ${d.ip}`}
          </Text>
          {d.via && (
            <Badge size="xs" variant="outline" color="gray" tt="none">
              via {d.via}
            </Badge>
          )}
        </Group>
        {d.lines.length > 0 && (
          <Box style={{ display: 'grid', gridTemplateColumns: 'max-content minmax(0, 1fr)', columnGap: 16, rowGap: 4, alignItems: 'baseline' }}>
            {d.lines.map((line, i) => {
              const label = labelOf(line);
              // A field changed both ways (scopes added and removed) shows its label once.
              const repeated = i > 0 && label !== undefined && labelOf(d.lines[i - 1]) === label;
              return label === undefined ? (
                <Box key={i} style={{ gridColumn: '1 / -1' }}>
                  <LineContent line={line} accountId={accountId} />
                </Box>
              ) : (
                <Fragment key={i}>
                  <Text size="sm" c="dimmed">
                    {repeated ? '' : label}
                  </Text>
                  <LineContent line={line} accountId={accountId} />
                </Fragment>
              );
            })}
          </Box>
        )}
      </Stack>
    </Timeline.Item>
  );
}

const labelOf = (line: AuditLine): string | undefined => ('label' in line ? line.label : undefined);

function LineContent({ line, accountId }: { line: AuditLine; accountId: string }) {
  switch (line.kind) {
    case 'text':
      return <Text size="sm">{line.text}</Text>;
    case 'change':
      return (
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          <Text span c="dimmed" size="sm">
            {line.from}
          </Text>
          <Text span c="dimmed" size="sm" aria-hidden="true">
            {' → '}
          </Text>
          <VisuallyHidden> changed to </VisuallyHidden>
          <Text span fw={500} size="sm">
            {line.to}
          </Text>
        </Text>
      );
    case 'items':
      return <ItemList line={line} />;
    case 'token':
      return <LinkedToken accountId={accountId} tokenId={line.tokenId} />;
  }
}

function ItemList({ line }: { line: Extract<AuditLine, { kind: 'items' }> }) {
  const signColor = line.sign === '+' ? 'teal.9' : 'red.9';
  return (
    <Group gap={6} wrap="wrap" align="center">
      {line.sign && (
        <>
          <Text span size="sm" fw={700} c={signColor} w={12} ta="center" aria-hidden="true">
            {line.sign}
          </Text>
          <VisuallyHidden>{line.sign === '+' ? 'Added:' : 'Removed:'}</VisuallyHidden>
        </>
      )}
      {line.items.map((item, i) => (
        <Item key={`${item.text}-${i}`} item={item} last={i === line.items.length - 1 && line.more.length === 0} />
      ))}
      {line.more.length > 0 && (
        <Text span size="sm" c="dimmed" title={line.more.map((item) => item.text).join(', ')}>
          and {line.more.length} more
        </Text>
      )}
    </Group>
  );
}

function Item({ item, last }: { item: AuditItem; last: boolean }) {
  return (
    <Group gap={4} wrap="nowrap" title={item.hint}>
      {item.method && <MethodBadge method={item.method} size="xs" />}
      <Text span size="sm">
        {item.text}
        {!last && ','}
      </Text>
    </Group>
  );
}

/** The other token of a duplicate: its current name as a link while it exists. */
function LinkedToken({ accountId, tokenId }: { accountId: string; tokenId: string }) {
  const other = useToken(accountId, tokenId);
  if (other.isPending) {
    return (
      <Text size="sm" c="dimmed">
        …
      </Text>
    );
  }
  if (other.isError) {
    return (
      <Text size="sm" c="dimmed">
        {isApiError(other.error) && other.error.status === 404 ? 'A token that has since been deleted' : 'A token that cannot be loaded right now'}
      </Text>
    );
  }
  return (
    <Anchor component={Link} to={routes.token(accountId, tokenId, 'overview')} size="sm">
      {tokenTitle(other.data)}
    </Anchor>
  );
}
