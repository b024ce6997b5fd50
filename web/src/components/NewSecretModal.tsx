/** The dialog that shows a new secret once (NewSecretDialog.tsx decides when). */
import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { formatDateTime } from '../lib/format.js';
import { CopyValueButton } from './CopyValueButton.js';
import { AlertIcon } from './icons.js';
import type { TokenDto } from '../../../src/http/management/schemas.js';

export interface NewSecret {
  token: TokenDto;
  authToken: string;
  /** Why there is a new secret: decides the dialog's wording. */
  reason: 'created' | 'duplicated' | 'reset';
}

const TITLES: Record<NewSecret['reason'], string> = {
  created: 'Your new access token',
  duplicated: 'Your duplicated access token',
  reset: 'Your new Auth Token',
};

export default function NewSecretModal({ secret, onClose }: { secret: NewSecret | null; onClose: () => void }) {
  return (
    <Modal
      opened={secret !== null}
      onClose={onClose}
      title={secret ? TITLES[secret.reason] : ''}
      size="lg"
      // A stray click must not throw away a secret the user has not copied yet.
      closeOnClickOutside={false}
    >
      {secret && (
        <Stack gap="md">
          <Text size="sm">
            <strong>{secret.token.name}</strong>
            {secret.reason === 'reset' ? ' has a new Auth Token.' : ' is ready.'} Copy the credentials now and keep them in a secrets
            manager; never put them in client-side code or a repository.
          </Text>
          <SecretLine label="Account SID" value={secret.token.accountSid} />
          <SecretLine label="Auth Token" value={secret.authToken} />
          {secret.reason === 'reset' && (
            <Alert color={secret.token.graceExpiresAt ? 'yellow' : 'red'} variant="light" icon={<AlertIcon />}>
              {secret.token.graceExpiresAt
                ? `The previous Auth Token keeps working until ${formatDateTime(secret.token.graceExpiresAt)}. Update your integrations before then.`
                : 'The previous Auth Token has stopped working. Update your integrations with the new one.'}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied it</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

function SecretLine({ label, value }: { label: string; value: string }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600} component="div">
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap" p="xs" bg="gray.0" style={{ borderRadius: 'var(--mantine-radius-sm)', border: '1px solid var(--mantine-color-gray-3)' }}>
        <Text className="secret" size="sm" style={{ flex: 1 }} data-testid={`new-secret-${label === 'Auth Token' ? 'auth-token' : 'account-sid'}`}>
          {value}
        </Text>
        <CopyValueButton label={label} value={value} />
      </Group>
    </Stack>
  );
}
