import { Text } from '@mantine/core';
import type { TokenDto } from '../../../../src/http/management/schemas.js';
import { useDeleteToken } from '../../api/mutations.js';
import { notifySuccess } from '../../lib/notify.js';
import { ConfirmDialog } from '../ConfirmDialog.js';

export function DeleteTokenDialog({ token, opened, onClose, onDeleted }: { token: TokenDto; opened: boolean; onClose: () => void; onDeleted?: () => void }) {
  const remove = useDeleteToken(token.accountId);
  const confirm = () =>
    remove.mutate(token.id, {
      onSuccess: () => {
        onClose();
        notifySuccess(`“${token.name}” was deleted.`, 'Token deleted');
        onDeleted?.();
      },
    });
  return (
    <ConfirmDialog opened={opened} onClose={onClose} title="Delete access token?" confirmLabel="Delete token" danger loading={remove.isPending} onConfirm={confirm}>
      <Text size="sm">
        Delete <strong>“{token.name}”</strong>? Integrations that use it stop working immediately, and this cannot be undone.
      </Text>
    </ConfirmDialog>
  );
}
