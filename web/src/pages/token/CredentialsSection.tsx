/** API Credentials: Account SID and Auth Token (masked, revealed on request), contacts, and Reset Token. */
import { ActionIcon, Alert, Button, Group, Paper, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import type { CredentialsDto, TokenDto, TokenSettingsDto } from '../../../../src/http/management/schemas.js';
import { isApiError } from '../../api/client.js';
import { useRevealCredentials, useUpdateToken } from '../../api/mutations.js';
import { CopyValueButton } from '../../components/CopyValueButton.js';
import { EyeIcon, EyeOffIcon, RefreshIcon } from '../../components/icons.js';
import { SecurityTipsPanel } from '../../components/SecurityTipsPanel.js';
import { ResetTokenDialog } from '../../components/tokenActions/ResetTokenDialog.js';
import { ContactFields } from '../../components/tokenForm/ContactFields.js';
import { draftFromToken, type TokenDraft } from '../../components/tokenForm/draft.js';
import { fieldErrorsOf } from '../../lib/fieldErrors.js';
import { RejectedAlert } from '../../components/tokenForm/RejectedAlert.js';
import { maskSecret } from '../../lib/format.js';
import { notifyError, notifySuccess } from '../../lib/notify.js';
import { tokenTitle } from '../../lib/tokenLabels.js';
import { useTokenOfPage } from './TokenLayout.js';
import { UpdateBar } from './UpdateBar.js';

export default function CredentialsSection() {
  const token = useTokenOfPage();
  return (
    <Stack gap="lg">
      {/* After a reset (updatedAt moves) any secret revealed before is stale: start over. */}
      <CredentialsPanel key={`${token.id}:${token.updatedAt}`} token={token} />
      <ContactsForm key={`contacts:${token.updatedAt}`} token={token} />
      <SecurityTipsPanel />
    </Stack>
  );
}

// As long as a masked Account SID, so the masked row fits one line on a phone.
const MASKED_AUTH_TOKEN = '•'.repeat(16);

// A revealed Auth Token goes back under the mask after a minute, so it does not sit on an unattended screen.
const HIDE_SECRET_AFTER_MS = 60_000;

function CredentialsPanel({ token }: { token: TokenDto }) {
  const reveal = useRevealCredentials(token.accountId);
  const [credentials, setCredentials] = useState<CredentialsDto | null>(null);
  const [showSid, setShowSid] = useState(false);
  const [showToken, setShowToken] = useState(false);
  const [showOnce, setShowOnce] = useState(false);
  const [resetting, setResetting] = useState(false);

  useEffect(() => {
    if (!showToken) return;
    const timer = setTimeout(() => setShowToken(false), HIDE_SECRET_AFTER_MS);
    return () => clearTimeout(timer);
  }, [showToken]);

  /** Fetches the Auth Token once per visit (each fetch is an audited reveal on the server). */
  const loadAuthToken = async (): Promise<string> => {
    if (credentials) return credentials.authToken;
    try {
      const fetched = await reveal.mutateAsync(token.id);
      setCredentials(fetched);
      return fetched.authToken;
    } catch (error) {
      if (isApiError(error) && error.status === 409) setShowOnce(true);
      throw error;
    }
  };

  const toggleToken = async () => {
    if (showToken) return setShowToken(false);
    try {
      await loadAuthToken();
      setShowToken(true);
    } catch (error) {
      if (!(isApiError(error) && error.status === 409)) notifyError(error, 'Could not reveal the Auth Token');
    }
  };

  return (
    <Paper withBorder p={{ base: 'md', sm: 'xl' }} bg="white">
      <Stack gap="lg">
        <Group justify="space-between" wrap="wrap">
          <Title order={2} size="h3">
            API Credentials
          </Title>
          {/* red.9: the stock outline red (shade 6) is 3.6:1 on white, below WCAG AA for its label. */}
          <Button variant="outline" color="red.9" leftSection={<RefreshIcon size={16} />} onClick={() => setResetting(true)}>
            Reset Token
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          Clients send these with HTTP Basic authentication: the Account SID as the user name, the Auth Token as the password.
        </Text>

        <CredentialRow
          label="Account SID"
          display={showSid ? token.accountSid : maskSecret(token.accountSid)}
          shown={showSid}
          onToggle={() => setShowSid((s) => !s)}
          copyValue={token.accountSid}
        />
        <CredentialRow
          label="Auth Token"
          display={showToken && credentials ? credentials.authToken : MASKED_AUTH_TOKEN}
          shown={showToken}
          busy={reveal.isPending}
          disabled={showOnce}
          onToggle={() => void toggleToken()}
          copyValue={showOnce ? undefined : loadAuthToken}
        />
        {showOnce && (
          <Alert color="yellow" variant="light" title="This deployment shows Auth Tokens only once">
            The Auth Token was shown when the token was created or last reset, and cannot be read back. If it is lost, reset the token to get a new one.
          </Alert>
        )}
      </Stack>
      {resetting && <ResetTokenDialog token={token} label={token.kind === 'scoped' ? undefined : tokenTitle(token)} opened onClose={() => setResetting(false)} />}
    </Paper>
  );
}

interface CredentialRowProps {
  label: string;
  display: string;
  shown: boolean;
  busy?: boolean;
  disabled?: boolean;
  onToggle: () => void;
  copyValue: string | (() => Promise<string>) | undefined;
}

function CredentialRow({ label, display, shown, busy, disabled, onToggle, copyValue }: CredentialRowProps) {
  const id = `credential-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600} id={`${id}-label`}>
        {label}
      </Text>
      <Group
        gap="xs"
        wrap="nowrap"
        px="sm"
        py={6}
        bg="gray.0"
        style={{ borderRadius: 'var(--mantine-radius-sm)', border: '1px solid var(--mantine-color-gray-3)' }}
      >
        <Text className="secret" size="sm" style={{ flex: 1, minWidth: 0 }} aria-labelledby={`${id}-label`} data-testid={id}>
          {display}
        </Text>
        <Tooltip label={shown ? `Hide ${label}` : `Reveal ${label}`}>
          <ActionIcon variant="subtle" color="gray" onClick={onToggle} loading={busy} disabled={disabled} aria-label={shown ? `Hide ${label}` : `Reveal ${label}`}>
            {shown ? <EyeOffIcon size={16} /> : <EyeIcon size={16} />}
          </ActionIcon>
        </Tooltip>
        {copyValue !== undefined && <CopyValueButton label={label} value={copyValue} />}
      </Group>
    </Stack>
  );
}

type ContactDraft = Pick<TokenDraft, 'primaryContactUserId' | 'developerEmails'>;

function ContactsForm({ token }: { token: TokenDto }) {
  const saved = useMemo<ContactDraft>(() => draftFromToken(token), [token]);
  const [draft, setDraft] = useState<ContactDraft>(saved);
  const update = useUpdateToken(token.accountId);
  const body: TokenSettingsDto = {};
  const lines: string[] = [];
  if (draft.primaryContactUserId !== saved.primaryContactUserId) {
    body.primaryContactUserId = draft.primaryContactUserId;
    lines.push(draft.primaryContactUserId ? 'Primary contact changed' : 'Primary contact removed');
  }
  if (draft.developerEmails.join() !== saved.developerEmails.join()) {
    body.developerEmails = draft.developerEmails;
    lines.push(`Developer e-mails: ${draft.developerEmails.length ? draft.developerEmails.join(', ') : 'none'}`);
  }

  return (
    <Paper withBorder p="xl" bg="white">
      <Stack gap="lg">
        <Title order={2} size="h3">
          Contacts
        </Title>
        <ContactFields accountId={token.accountId} draft={draft} onChange={(changes) => setDraft((d) => ({ ...d, ...changes }))} errors={fieldErrorsOf(update.error)} />
        <RejectedAlert error={update.error} shownFields={['primaryContactUserId', 'developerEmails']} />
        <UpdateBar
          dirty={lines.length > 0}
          saving={update.isPending}
          changes={lines}
          confirmTitle="Update the contacts?"
          onDiscard={() => {
            setDraft(saved);
            update.reset();
          }}
          onUpdate={(done) =>
            update.mutate(
              { tokenId: token.id, changes: body },
              { onSuccess: (next) => notifySuccess(`The contacts of ${tokenTitle(next)} were updated.`, 'Contacts updated'), onSettled: done },
            )
          }
        />
      </Stack>
    </Paper>
  );
}
