/**
 * Settings → Account → Notifications & webhooks (Account Administrators only): the account's e-mail notification
 * settings, and its endpoints, each with its event filter, state, secret rotation and delivery log with
 * "redeliver". A new signing secret is shown once.
 */
// Styles of a Mantine component that only code loaded on demand renders travel with that code (see mantine.css).
import '@mantine/core/styles/CheckboxIndicator.css';
import '@mantine/core/styles/Checkbox.css';
import { Alert, Anchor, Badge, Button, Checkbox, Code, Group, Modal, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { LIFECYCLE_EVENT_TYPES } from '../../../../src/domain/lifecycle-events.js';
import type { DeliveryDto, WebhookDto } from '../../../../src/http/management/schemas.js';
import { isApiError } from '../../api/client.js';
import { useCreateWebhook, useDeleteWebhook, useDeliveries, useRedeliver, useRotateWebhookSecret, useUpdateWebhook, useWebhooks } from '../../api/webhooks.js';
import { useCurrentAccount } from '../../auth/account.js';
import { CopyValueButton } from '../../components/CopyValueButton.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { LoadError, NoAccessPanel, SectionLoader } from '../../components/Feedback.js';
import { mayManageAccountSettings } from '../../lib/access.js';
import { formatDateTime } from '../../lib/format.js';
import { routes } from '../../lib/routes.js';
import { MailSettingsCard } from './MailSettingsCard.js';

export default function WebhooksPage() {
  const { account } = useCurrentAccount();
  if (!mayManageAccountSettings(account.role)) return <NoAccessPanel title="No access to notifications and webhooks" message="Only an Account Administrator can manage e-mail notifications and webhooks." backTo={routes.settings(account.id)} />;
  return <Webhooks accountId={account.id} />;
}

function Webhooks({ accountId }: { accountId: string }) {
  const webhooks = useWebhooks(accountId);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  return (
    <Stack gap="lg">
      <div>
        <Anchor component={Link} to={routes.settings(accountId)} size="sm">
          ← Settings
        </Anchor>
        <Title order={1}>Notifications &amp; webhooks</Title>
      </div>
      <MailSettingsCard accountId={accountId} />
      <Title order={2} size="h3">
        Webhooks
      </Title>
      <Text c="dimmed" size="sm">
        Sidekey sends each token event to the endpoints below, signed with the endpoint's secret (Sidekey-Signature), and retries for 24 hours until it gets a 2xx.
      </Text>
      <NewEndpointForm accountId={accountId} onCreated={setSecret} />
      {webhooks.isPending ? (
        <SectionLoader label="Loading webhooks" />
      ) : webhooks.isError ? (
        <LoadError error={webhooks.error} onRetry={() => void webhooks.refetch()} />
      ) : webhooks.data.length === 0 ? (
        <Text c="dimmed">No endpoints yet.</Text>
      ) : (
        webhooks.data.map((webhook) => <EndpointCard key={webhook.id} accountId={accountId} webhook={webhook} onSecret={setSecret} />)
      )}
      <Modal opened={secret !== null} onClose={() => setSecret(null)} title="Signing secret" size="lg">
        {secret && (
          <Stack gap="md">
            <Alert color="yellow" title="Copy it now">
              This secret is shown once. Verify every delivery to {secret.url} with it.
            </Alert>
            <Group gap="xs" wrap="nowrap">
              <Code block style={{ flex: 1 }} aria-label="New signing secret">
                {secret.secret}
              </Code>
              <CopyValueButton label="Signing secret" value={secret.secret} />
            </Group>
            <Button onClick={() => setSecret(null)}>Done</Button>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

function NewEndpointForm({ accountId, onCreated }: { accountId: string; onCreated: (s: { url: string; secret: string }) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(['token.expiring', 'token.expired', 'token.reset', 'token.disabled', 'token.deleted']);
  const create = useCreateWebhook(accountId);
  const error = create.error;
  const fieldError = (field: string) => (isApiError(error) ? error.fieldMessage(field) : undefined);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { url: url.trim(), events, description },
      {
        onSuccess: (created) => {
          onCreated({ url: created.webhook.url, secret: created.secret });
          setUrl('');
          setDescription('');
        },
      },
    );
  };
  return (
    <Paper withBorder p="xl" bg="white" component="form" aria-label="New endpoint" onSubmit={submit}>
      <Title order={2} size="h3" mb="md">
        Add an endpoint
      </Title>
      <Stack gap="sm">
        <TextInput label="URL" placeholder="https://example.com/hooks/sidekey" value={url} onChange={(e) => setUrl(e.currentTarget.value)} error={fieldError('url')} required />
        <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={fieldError('description')} />
        <Checkbox.Group label="Events" value={events} onChange={setEvents} error={fieldError('events')}>
          <Group gap="md" mt={6}>
            {LIFECYCLE_EVENT_TYPES.map((type) => (
              <Checkbox key={type} value={type} label={type} />
            ))}
          </Group>
        </Checkbox.Group>
        {isApiError(error) && error.fieldErrors.length === 0 && <Alert color="red">{error.message}</Alert>}
        <Group>
          <Button type="submit" loading={create.isPending} disabled={events.length === 0 || url.trim() === ''}>
            Add endpoint
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function EndpointCard({ accountId, webhook, onSecret }: { accountId: string; webhook: WebhookDto; onSecret: (s: { url: string; secret: string }) => void }) {
  const update = useUpdateWebhook(accountId);
  const rotate = useRotateWebhookSecret(accountId);
  const remove = useDeleteWebhook(accountId);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const enabled = webhook.state === 'enabled';
  return (
    <Paper withBorder p="xl" bg="white" component="section" aria-label={`Endpoint ${webhook.url}`}>
      <Group justify="space-between" align="flex-start">
        <div>
          <Text fw={600} style={{ wordBreak: 'break-all' }}>
            {webhook.url}
          </Text>
          {webhook.description && (
            <Text size="sm" c="dimmed">
              {webhook.description}
            </Text>
          )}
          <Group gap={4} mt="xs">
            <Badge color={enabled ? 'teal' : 'gray'} variant="light">{enabled ? 'Enabled' : 'Disabled'}</Badge>
            {webhook.events.map((type) => (
              <Badge key={type} variant="light" tt="none">
                {type}
              </Badge>
            ))}
          </Group>
          {webhook.previousSecretExpiresAt && (
            <Text size="xs" c="dimmed" mt={4}>
              The previous secret also signs until {formatDateTime(webhook.previousSecretExpiresAt)}.
            </Text>
          )}
        </div>
        <Group gap="xs">
          <Button variant="default" size="xs" onClick={() => setShowLog((v) => !v)}>
            {showLog ? 'Hide deliveries' : 'Deliveries'}
          </Button>
          <Button variant="default" size="xs" loading={update.isPending} onClick={() => update.mutate({ id: webhook.id, state: enabled ? 'disabled' : 'enabled' })}>
            {enabled ? 'Disable' : 'Enable'}
          </Button>
          <Button variant="default" size="xs" loading={rotate.isPending} onClick={() => rotate.mutate(webhook.id, { onSuccess: (r) => onSecret({ url: r.webhook.url, secret: r.secret }) })}>
            Rotate secret
          </Button>
          <Button color="red" variant="light" size="xs" onClick={() => setConfirmDelete(true)}>
            Delete
          </Button>
        </Group>
      </Group>
      {showLog && <DeliveryLog accountId={accountId} webhookId={webhook.id} />}
      <ConfirmDialog opened={confirmDelete} title="Delete this endpoint?" confirmLabel="Delete" danger loading={remove.isPending} onClose={() => setConfirmDelete(false)} onConfirm={() => remove.mutate(webhook.id, { onSuccess: () => setConfirmDelete(false) })}>
        <Text size="sm">No further events are sent to {webhook.url}, and its delivery log is deleted.</Text>
      </ConfirmDialog>
    </Paper>
  );
}

function DeliveryLog({ accountId, webhookId }: { accountId: string; webhookId: string }) {
  const deliveries = useDeliveries(accountId, webhookId);
  const redeliver = useRedeliver(accountId);
  if (deliveries.isPending) return <SectionLoader label="Loading deliveries" />;
  if (deliveries.isError) return <LoadError error={deliveries.error} onRetry={() => void deliveries.refetch()} />;
  if (deliveries.data.length === 0) return <Text size="sm" c="dimmed" mt="md">Nothing delivered yet.</Text>;
  return (
    <Table mt="md" aria-label="Deliveries" striped>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Event</Table.Th>
          <Table.Th>Status</Table.Th>
          <Table.Th>Attempts</Table.Th>
          <Table.Th />
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {deliveries.data.map((d) => (
          <Table.Tr key={d.id}>
            <Table.Td>
              <Text size="sm">{d.eventType}</Text>
              <Text size="xs" c="dimmed">
                {formatDateTime(d.createdAt)} · {d.eventId}
              </Text>
            </Table.Td>
            <Table.Td>
              <DeliveryStatus delivery={d} />
            </Table.Td>
            <Table.Td>
              <AttemptList delivery={d} />
            </Table.Td>
            <Table.Td>
              <Button size="xs" variant="subtle" loading={redeliver.isPending && redeliver.variables?.deliveryId === d.id} onClick={() => redeliver.mutate({ webhookId, deliveryId: d.id })}>
                Redeliver
              </Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function DeliveryStatus({ delivery }: { delivery: DeliveryDto }) {
  const color = delivery.status === 'delivered' ? 'green' : delivery.status === 'failed' ? 'red' : 'yellow';
  return (
    <Stack gap={2}>
      <Badge color={color}>{delivery.status}</Badge>
      {delivery.nextAttemptAt && <Text size="xs" c="dimmed">next try {formatDateTime(delivery.nextAttemptAt)}</Text>}
    </Stack>
  );
}

export function AttemptList({ delivery }: { delivery: DeliveryDto }) {
  return (
    <Stack gap={2}>
      {delivery.attempts.map((a) => (
        <Text key={a.attempt} size="xs">
          #{a.attempt} {formatDateTime(a.at)} — {a.statusCode ?? 'no answer'} · {a.durationMs} ms{a.error ? ` · ${a.error}` : ''}
        </Text>
      ))}
    </Stack>
  );
}
