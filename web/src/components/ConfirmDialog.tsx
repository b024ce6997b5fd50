import { Button, Group, Modal, Stack } from '@mantine/core';
import type { ReactNode } from 'react';

interface ConfirmDialogProps {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Red for actions that break integrations (reset, delete, disable). */
  danger?: boolean;
  loading?: boolean;
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}

/** "Are you sure?" with the consequences spelled out; Cancel has focus first so Enter never destroys by accident. */
export function ConfirmDialog({ opened, title, children, confirmLabel, danger, loading, confirmDisabled, onConfirm, onClose }: ConfirmDialogProps) {
  return (
    <Modal opened={opened} onClose={loading ? () => undefined : onClose} title={title} size="md" closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack gap="md">
        {children}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose} disabled={loading} data-autofocus>
            Cancel
          </Button>
          {/* red.9: white on the theme's filled red (shade 7) is 3.9:1, below WCAG AA for a button label; on red.9 it is 5.4:1. */}
          <Button color={danger ? 'red.9' : undefined} onClick={onConfirm} loading={loading} disabled={confirmDisabled}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
