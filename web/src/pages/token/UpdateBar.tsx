import { Button, Group, List, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';

interface UpdateBarProps {
  dirty: boolean;
  saving: boolean;
  /** One line per change, shown in the confirmation dialog. */
  changes: ReactNode[];
  /** Called with a callback that closes the dialog once the server accepted the change. */
  onUpdate: (done: () => void) => void;
  onDiscard: () => void;
  confirmTitle?: string;
}

/** Update (with the product's confirmation dialog listing what will change) and Discard, for a token page's form. */
export function UpdateBar({ dirty, saving, changes, onUpdate, onDiscard, confirmTitle = 'Update this token?' }: UpdateBarProps) {
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onDiscard} disabled={!dirty || saving}>
          Discard changes
        </Button>
        <Button onClick={() => setConfirming(true)} disabled={!dirty} loading={saving}>
          Update
        </Button>
      </Group>
      <ConfirmDialog
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={confirmTitle}
        confirmLabel="Update"
        loading={saving}
        onConfirm={() => onUpdate(() => setConfirming(false))}
      >
        <Text size="sm">These changes take effect for the next request made with the token:</Text>
        <List size="sm" spacing={4}>
          {changes.map((change, i) => (
            <List.Item key={i}>{change}</List.Item>
          ))}
        </List>
      </ConfirmDialog>
    </>
  );
}
