/** The token's lifecycle events, newest first, with the webhook deliveries each produced and how they went. */
import { Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { TokenDto } from '../../../../src/http/management/schemas.js';
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
          {events.data.map(({ event, deliveries }) => (
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
            </div>
          ))}
        </Stack>
      )}
    </Paper>
  );
}
