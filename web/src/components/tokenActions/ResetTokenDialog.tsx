import { Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { TokenDto } from '../../../../src/http/management/schemas.js';
import { useResetToken } from '../../api/mutations.js';
import { formatDuration } from '../../lib/format.js';
import { notifySuccess } from '../../lib/notify.js';
import { ConfirmDialog } from '../ConfirmDialog.js';
import { useShowNewSecret } from '../NewSecretDialog.js';

// A Stripe-style "roll": optionally keep the old secret valid for a while so integrations can be updated first.
const GRACE_OPTIONS = [
  { value: '0', label: 'None: it stops working at once' },
  { value: String(3_600), label: '1 hour' },
  { value: String(86_400), label: '24 hours' },
  { value: String(7 * 86_400), label: '7 days' },
];

export function ResetTokenDialog({ token, label, opened, onClose }: { token: TokenDto; label?: string; opened: boolean; onClose: () => void }) {
  const reset = useResetToken(token.accountId);
  const showNewSecret = useShowNewSecret();
  const [grace, setGrace] = useState('0');
  const graceSeconds = Number(grace);
  const name = label ?? token.name;
  // A label such as "the Read/Write token" starts a sentence in the toast; a token's own name is kept as typed.
  const nameAtSentenceStart = label ? label.charAt(0).toUpperCase() + label.slice(1) : token.name;

  const confirm = () =>
    reset.mutate(
      { tokenId: token.id, graceSeconds },
      {
        onSuccess: (result) => {
          onClose();
          notifySuccess(`${nameAtSentenceStart} has a new Auth Token.`, 'Token reset');
          showNewSecret({ ...result, reason: 'reset' });
        },
      },
    );

  return (
    <ConfirmDialog opened={opened} onClose={onClose} title={`Reset ${name}?`} confirmLabel="Reset token" danger loading={reset.isPending} onConfirm={confirm}>
      <Stack gap="sm">
        <Text size="sm">
          A new Auth Token will be generated.{' '}
          {graceSeconds === 0 ? (
            <strong>The current Auth Token stops working at once</strong>
          ) : (
            <strong>The current Auth Token keeps working for {formatDuration(graceSeconds)}, then stops</strong>
          )}
          ; every integration that uses it must be updated with the new value.
        </Text>
        <Select
          label="Grace period for the current Auth Token"
          description="Optional: keep the old value valid while you roll the new one out."
          data={GRACE_OPTIONS}
          value={grace}
          onChange={(value) => setGrace(value ?? '0')}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
      </Stack>
    </ConfirmDialog>
  );
}
