import { Button, Divider, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { TokenDto, TokenSettingsDto } from '../../../../src/http/management/schemas.js';
import { useUpdateToken } from '../../api/mutations.js';
import { useCatalog } from '../../api/queries.js';
import { UpgradeVersionDialog } from '../../components/tokenActions/UpgradeVersionDialog.js';
import { draftFromToken, expiresAtFor, rateLimitFor, type TokenDraft } from '../../components/tokenForm/draft.js';
import { fieldErrorsOf } from '../../lib/fieldErrors.js';
import { RejectedAlert } from '../../components/tokenForm/RejectedAlert.js';
import { LazyRestrictionsFields } from '../../components/tokenForm/LazyRestrictionsFields.js';
import { SetupFields } from '../../components/tokenForm/SetupFields.js';
import { formatCount, formatDate, formatDateTime, formatDuration } from '../../lib/format.js';
import { notifySuccess } from '../../lib/notify.js';
import { newerVersions } from '../../lib/scopes.js';
import { tokenTitle } from '../../lib/tokenLabels.js';
import { useTokenOfPage } from './TokenLayout.js';
import { UpdateBar } from './UpdateBar.js';

/** Name, description, API version (upgrade) and the optional restrictions. */
export default function OverviewSection() {
  const token = useTokenOfPage();
  // A fresh form whenever the stored token changes (after Update, Upgrade or a change made elsewhere).
  return <OverviewForm key={token.updatedAt} token={token} />;
}

const OVERVIEW_FIELDS = ['name', 'description', 'expiresAt', 'allowedCidrs', 'rateLimit', 'rateLimit.limit', 'rateLimit.windowSeconds'];

type OverviewFields = Pick<TokenDraft, 'name' | 'description' | 'expiresOn' | 'allowedCidrs' | 'rateLimit'>;

function describeRate(rate: TokenDraft['rateLimit']): string {
  return rate ? `${formatCount(Number(rate.limit))} requests per ${formatDuration(rate.windowSeconds)}` : 'no limit of its own';
}

/** Only what changed is sent, and the confirmation lists exactly that. */
function changesBetween(saved: OverviewFields, edited: OverviewFields): { body: TokenSettingsDto; lines: string[] } {
  const body: TokenSettingsDto = {};
  const lines: string[] = [];
  if (edited.name.trim() !== saved.name) {
    body.name = edited.name.trim();
    lines.push(`Name: “${saved.name}” → “${body.name}”`);
  }
  if (edited.description.trim() !== saved.description) {
    body.description = edited.description.trim();
    lines.push('Description changed');
  }
  if (edited.expiresOn !== saved.expiresOn) {
    body.expiresAt = expiresAtFor(edited.expiresOn);
    lines.push(`Expiry: ${edited.expiresOn ? `end of ${formatDate(edited.expiresOn)}` : 'never'}`);
  }
  if (edited.allowedCidrs.join() !== saved.allowedCidrs.join()) {
    body.allowedCidrs = edited.allowedCidrs;
    lines.push(`IP allowlist: ${edited.allowedCidrs.length ? edited.allowedCidrs.join(', ') : 'any address'}`);
  }
  if (JSON.stringify(rateLimitFor(edited.rateLimit)) !== JSON.stringify(rateLimitFor(saved.rateLimit))) {
    body.rateLimit = rateLimitFor(edited.rateLimit);
    lines.push(`Rate limit: ${describeRate(edited.rateLimit)}`);
  }
  return { body, lines };
}

function OverviewForm({ token }: { token: TokenDto }) {
  const saved = useMemo(() => draftFromToken(token), [token]);
  const [draft, setDraft] = useState<OverviewFields>(saved);
  const update = useUpdateToken(token.accountId);
  const errors = fieldErrorsOf(update.error);
  const { body, lines } = changesBetween(saved, draft);
  const change = (changes: Partial<TokenDraft>) => setDraft((d) => ({ ...d, ...changes }));

  return (
    <Paper withBorder p="xl" bg="white">
      <Stack gap="lg">
        <Title order={2} size="h3">
          Overview
        </Title>
        <SetupFields draft={{ ...draft, apiVersion: token.apiVersion }} onChange={change} errors={errors} />
        {/* A canary has no version to upgrade and no controls: it never works (the server refuses them too). */}
        {token.kind !== 'canary' && <VersionRow token={token} />}
        <TokenFacts token={token} />
        {token.kind !== 'canary' && (
          <>
            <Divider label="Optional controls" labelPosition="left" />
            <LazyRestrictionsFields draft={draft} onChange={change} errors={errors} />
          </>
        )}
        <RejectedAlert error={update.error} shownFields={OVERVIEW_FIELDS} />
        <UpdateBar
          dirty={lines.length > 0}
          saving={update.isPending}
          changes={lines}
          onDiscard={() => {
            setDraft(saved);
            update.reset();
          }}
          onUpdate={(done) =>
            update.mutate(
              { tokenId: token.id, changes: body },
              {
                onSuccess: (next) => notifySuccess(`${tokenTitle(next)} was updated.`, 'Token updated'),
                onSettled: done,
              },
            )
          }
        />
      </Stack>
    </Paper>
  );
}

function VersionRow({ token }: { token: TokenDto }) {
  const catalog = useCatalog();
  const [upgrading, setUpgrading] = useState(false);
  const newer = catalog.data ? newerVersions(catalog.data, token.apiVersion) : [];
  return (
    <Group justify="space-between" wrap="wrap">
      <div>
        <Text size="sm" fw={600}>
          API Version
        </Text>
        <Text size="sm" c="dimmed">
          Version {token.apiVersion}
          {newer.length ? ` · version ${newer[newer.length - 1]} is available` : ' · the latest'}
        </Text>
      </div>
      {newer.length > 0 && (
        <Button variant="light" onClick={() => setUpgrading(true)}>
          Upgrade Version
        </Button>
      )}
      {upgrading && <UpgradeVersionDialog token={token} opened onClose={() => setUpgrading(false)} />}
    </Group>
  );
}

function TokenFacts({ token }: { token: TokenDto }) {
  const facts = [
    ['Created', formatDateTime(token.createdAt)],
    ['Last updated', formatDateTime(token.updatedAt)],
    ['Last used', token.lastUsedAt ? `${formatDateTime(token.lastUsedAt)}${token.lastUsedIp ? ` from ${token.lastUsedIp}` : ''}` : 'Never used'],
  ] as const;
  return (
    <Group gap="xl" wrap="wrap">
      {facts.map(([label, value]) => (
        <div key={label}>
          <Text size="xs" c="dimmed">
            {label}
          </Text>
          <Text size="sm">{value}</Text>
        </div>
      ))}
    </Group>
  );
}
