/**
 * E-mail notifications of the account: whether this deployment sends e-mail at all (its operator sets SMTP_URL),
 * at once or as hourly / daily digests, and which events mail the primary contact and the developer e-mails.
 */
import { Alert, Button, Checkbox, Code, Group, Paper, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { LIFECYCLE_EVENT_TYPES } from '../../../../src/domain/lifecycle-events.js';
import type { MailSettingsDto } from '../../../../src/http/management/schemas.js';
import { useMailSettings, useUpdateMailSettings } from '../../api/webhooks.js';
import { LoadError, SectionLoader } from '../../components/Feedback.js';

const DELIVERIES = [
  { value: 'immediate', label: 'Each event at once' },
  { value: 'hourly', label: 'Hourly digest' },
  { value: 'daily', label: 'Daily digest' },
];

export function MailSettingsCard({ accountId }: { accountId: string }) {
  const settings = useMailSettings(accountId);
  return (
    <Paper withBorder p="xl" bg="white" component="section" aria-label="E-mail notifications">
      <Title order={2} size="h3" mb="xs">
        E-mail notifications
      </Title>
      {settings.isPending ? (
        <SectionLoader label="Loading e-mail settings" />
      ) : settings.isError ? (
        <LoadError error={settings.error} onRetry={() => void settings.refetch()} />
      ) : (
        <MailSettingsForm accountId={accountId} saved={settings.data} />
      )}
    </Paper>
  );
}

function MailSettingsForm({ accountId, saved }: { accountId: string; saved: MailSettingsDto }) {
  const update = useUpdateMailSettings(accountId);
  const [delivery, setDelivery] = useState(saved.delivery);
  const [primaryContact, setPrimaryContact] = useState<string[]>(saved.events.primaryContact);
  const [developers, setDevelopers] = useState<string[]>(saved.events.developers);
  useEffect(() => {
    setDelivery(saved.delivery);
    setPrimaryContact(saved.events.primaryContact);
    setDevelopers(saved.events.developers);
  }, [saved]);
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((t) => b.includes(t));
  const dirty = delivery !== saved.delivery || !same(primaryContact, saved.events.primaryContact) || !same(developers, saved.events.developers);
  const events = { primaryContact, developers } as MailSettingsDto['events'];
  return (
    <Stack gap="md">
      {saved.enabled ? (
        <Text size="sm" c="dimmed">
          Each token event is mailed to the token's primary contact and developer e-mails (each address once), from <Code>{saved.from}</Code>, with a link to the token. No e-mail ever contains an Auth Token.
        </Text>
      ) : (
        <Alert color="gray" title="E-mail is off on this deployment">
          Sidekey sends no e-mail until its operator sets <Code>SMTP_URL</Code> and <Code>MAIL_FROM</Code>. You can choose the settings below now; they take effect once e-mail is on.
        </Alert>
      )}
      <div>
        <Text size="sm" fw={500} mb={4} id="mail-delivery-label">
          When to send
        </Text>
        <SegmentedControl aria-labelledby="mail-delivery-label" data={DELIVERIES} value={delivery} onChange={(v) => setDelivery(v as MailSettingsDto['delivery'])} />
        <Text size="xs" c="dimmed" mt={4}>
          A digest is one e-mail per recipient per hour or per day (UTC), listing every event in it.
        </Text>
      </div>
      <Checkbox.Group label="Events mailed to the primary contact" value={primaryContact} onChange={setPrimaryContact}>
        <Group gap="md" mt={6}>
          {LIFECYCLE_EVENT_TYPES.map((type) => (
            <Checkbox key={type} value={type} label={type} />
          ))}
        </Group>
      </Checkbox.Group>
      <Checkbox.Group label="Events mailed to the developer e-mails" value={developers} onChange={setDevelopers}>
        <Group gap="md" mt={6}>
          {LIFECYCLE_EVENT_TYPES.map((type) => (
            <Checkbox key={type} value={type} label={type} />
          ))}
        </Group>
      </Checkbox.Group>
      <Group>
        <Button disabled={!dirty} loading={update.isPending} onClick={() => update.mutate({ delivery, events })}>
          Save e-mail settings
        </Button>
        {update.isSuccess && !dirty && (
          <Text size="sm" c="green" role="status">
            Saved.
          </Text>
        )}
      </Group>
    </Stack>
  );
}
