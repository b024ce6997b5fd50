/** The token's lifecycle events, newest first, with the webhook deliveries and e-mails each produced and how they went. */
import { Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { SentMailDto, TokenDto } from '../../../../src/http/management/schemas.js';
import { useTokenLifecycleEvents } from '../../api/webhooks.js';
import { LoadError, SectionLoader } from '../../components/Feedback.js';
import { formatDateTime } from '../../lib/format.js';
import { AttemptList, DeliveryStatus } from '../webhooks/WebhooksPage.js';

export function LifecycleEventsPanel({ token }: { token: TokenDto }) {
  const events = useTokenLifecycleEvents(token.accountId, token.id);
  return (
    <Paper withBorder p="xl" bg="white" component="section" aria-label="Notifications sent">
      <Title order={2} size="h3" mb="md">
        Notifications sent
      </Title>
      {events.isPending ? (
        <SectionLoader label="Loading events" />
      ) : events.isError ? (
        <LoadError error={events.error} onRetry={() => void events.refetch()} />
      ) : events.data.length === 0 ? (
        <Text size="sm" c="dimmed">No events yet.</Text>
      ) : (
        <Stack gap="md">
          {events.data.map(({ event, deliveries, emails }) => (
            <div key={event.id}>
              <Group gap="xs">
                <Badge variant="light" tt="none">
                  {event.type}
                </Badge>
                <Text size="sm" c="dimmed">
                  {formatDateTime(event.occurredAt)}
                </Text>
              </Group>
              {deliveries.length === 0 ? (
                <Text size="xs" c="dimmed" mt={4}>
                  No webhook endpoint subscribed to this event.
                </Text>
              ) : (
                deliveries.map((d) => (
                  <Group key={d.id} gap="md" mt={4} align="flex-start" aria-label={`Delivery ${d.id}`}>
                    <DeliveryStatus delivery={d} />
                    <AttemptList delivery={d} />
                  </Group>
                ))
              )}
              {emails.map((m) => (
                <EmailLine key={m.id} mail={m} />
              ))}
            </div>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

function EmailLine({ mail }: { mail: SentMailDto }) {
  const color = mail.status === 'sent' ? 'green' : mail.status === 'failed' ? 'red' : 'yellow';
  const when =
    mail.status === 'sent' && mail.sentAt
      ? `sent ${formatDateTime(mail.sentAt)}`
      : mail.status === 'pending'
        ? mail.attempts === 0
          ? `${mail.delivery === 'immediate' ? 'to be sent' : `in the ${mail.delivery} digest, sent`} ${formatDateTime(mail.sendAt)}`
          : `next try ${formatDateTime(mail.nextAttemptAt ?? mail.sendAt)}`
        : `gave up after ${mail.attempts} attempts`;
  return (
    <Group gap="xs" mt={4} wrap="nowrap" aria-label={`E-mail to ${mail.recipient}`}>
      <Badge color={color} variant="light">
        E-mail {mail.status}
      </Badge>
      <Text size="xs">
        {mail.recipient} · {when}
        {mail.eventCount > 1 ? ` · digest of ${mail.eventCount} events` : ''}
        {mail.lastError && mail.status !== 'sent' ? ` · ${mail.lastError}` : ''}
      </Text>
    </Group>
  );
}
