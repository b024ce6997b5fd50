import { Alert, Anchor, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import type { CatalogDto } from '../../../../src/http/management/schemas.js';
import { useAccountUsers } from '../../api/queries.js';
import { MethodBadge } from '../../components/badges.js';
import type { TokenDraft } from '../../components/tokenForm/draft.js';
import { ScopeReview } from '../../components/tokenForm/ScopeReview.js';
import { formatCount, formatDate, formatDuration } from '../../lib/format.js';

interface ReviewStepProps {
  accountId: string;
  catalog: CatalogDto;
  draft: TokenDraft;
  /** A canary: no version, scopes or controls, only who is alerted. */
  canary: boolean;
  onEdit: (step: 'Setup' | 'Contact Information' | 'API Scopes') => void;
}

/** Everything the token will be, in one place, before anything is created. */
export function ReviewStep({ accountId, catalog, draft, canary, onEdit }: ReviewStepProps) {
  const users = useAccountUsers(accountId);
  const contact = users.data?.find((u) => u.id === draft.primaryContactUserId);
  const contacts = (
    <Section title="Contact Information" onEdit={() => onEdit('Contact Information')}>
      <Line label="Primary Contact" value={contact ? `${contact.name || contact.email}` : draft.primaryContactUserId ? '…' : 'None'} />
      <Line label="Developer e-mails" value={draft.developerEmails.length ? draft.developerEmails.join(', ') : 'None'} />
    </Section>
  );
  if (canary) {
    return (
      <Stack gap="lg">
        <Alert color="grape" variant="light" title="Canary token">
          It never works: every use is refused exactly as a wrong credential is, so whoever tries it cannot tell, and the contacts below are alerted
          (at most once a minute, with the caller's address, the path and the user agent).
        </Alert>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <Section title="Setup" onEdit={() => onEdit('Setup')}>
            <Line label="Name" value={draft.name} />
            <Line label="Description" value={draft.description || '—'} />
          </Section>
          {contacts}
        </SimpleGrid>
      </Stack>
    );
  }
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        <Section title="Setup" onEdit={() => onEdit('Setup')}>
          <Line label="Name" value={draft.name} />
          <Line label="Description" value={draft.description || '—'} />
          <Line label="API Version" value={`Version ${draft.apiVersion}`} />
        </Section>
        {contacts}
        <Section title="Optional controls" onEdit={() => onEdit('API Scopes')}>
          <Line label="Expires" value={draft.expiresOn ? `End of ${formatDate(draft.expiresOn)}` : 'Never'} />
          <Line label="IP allowlist" value={draft.allowedCidrs.length ? draft.allowedCidrs.join(', ') : 'Any address'} />
          <Line
            label="Rate limit"
            value={draft.rateLimit ? `${formatCount(Number(draft.rateLimit.limit))} requests per ${formatDuration(draft.rateLimit.windowSeconds)}` : 'Deployment default'}
          />
        </Section>
      </SimpleGrid>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} size="h4">
            What this token can do
          </Title>
          <Anchor component="button" type="button" size="sm" onClick={() => onEdit('API Scopes')}>
            Edit scopes
          </Anchor>
        </Group>
        <Group gap="xs" aria-label="Legend">
          <Group gap={6}>
            <MethodBadge method="GET" />
            <Text size="xs">reads</Text>
          </Group>
          <Group gap={6}>
            <MethodBadge method="POST" />
            <Text size="xs">PUT, PATCH change data</Text>
          </Group>
          <Group gap={6}>
            <MethodBadge method="DELETE" />
            <Text size="xs">removes data</Text>
          </Group>
        </Group>
        <ScopeReview catalog={catalog} version={draft.apiVersion} scopes={draft.scopes} />
      </Stack>
    </Stack>
  );
}

function Section({ title, onEdit, children }: { title: string; onEdit: () => void; children: ReactNode }) {
  return (
    <Paper withBorder p="md" bg="gray.0">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5">
          {title}
        </Title>
        <Anchor component="button" type="button" size="sm" onClick={onEdit} aria-label={`Edit ${title}`}>
          Edit
        </Anchor>
      </Group>
      <Stack gap={6}>{children}</Stack>
    </Paper>
  );
}

function Line({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {value}
      </Text>
    </div>
  );
}
