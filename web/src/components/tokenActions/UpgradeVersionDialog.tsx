import { Alert, List, Select, Stack, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { TokenDto } from '../../../../src/http/management/schemas.js';
import { useUpgradeToken } from '../../api/mutations.js';
import { useCatalog } from '../../api/queries.js';
import { pluralize } from '../../lib/format.js';
import { notifySuccess } from '../../lib/notify.js';
import { droppedOnUpgrade, indexScopes, newerVersions } from '../../lib/scopes.js';
import { MethodBadge } from '../badges.js';
import { ConfirmDialog } from '../ConfirmDialog.js';

/** Upgrade only moves forward; before it does, the user sees exactly which scopes the new version no longer has. */
export function UpgradeVersionDialog({ token, label, opened, onClose }: { token: TokenDto; label?: string; opened: boolean; onClose: () => void }) {
  const catalog = useCatalog();
  const upgrade = useUpgradeToken(token.accountId);
  const versions = catalog.data ? newerVersions(catalog.data, token.apiVersion) : [];
  const [chosen, setChosen] = useState<string | null>(null);
  const target = Number(chosen ?? versions[versions.length - 1]);
  const name = label ?? token.name;
  // A label such as "the Read/Write token" starts a sentence in the toast; a token's own name is kept as typed.
  const nameAtSentenceStart = label ? label.charAt(0).toUpperCase() + label.slice(1) : token.name;

  const dropped = useMemo(() => {
    if (!catalog.data || !target) return [];
    const index = indexScopes(catalog.data);
    return droppedOnUpgrade(catalog.data, token.scopes, target).map((id) => index.get(id) ?? { id, name: id, method: '?', path: '', category: '' });
  }, [catalog.data, token.scopes, target]);

  const confirm = () =>
    upgrade.mutate(
      { tokenId: token.id, apiVersion: target },
      {
        onSuccess: (result) => {
          onClose();
          const lost = result.droppedScopes.length;
          notifySuccess(`${nameAtSentenceStart} now uses API version ${result.token.apiVersion}${lost ? `; ${pluralize(lost, 'scope')} dropped` : ''}.`, 'Version upgraded');
        },
      },
    );

  return (
    <ConfirmDialog
      opened={opened}
      onClose={onClose}
      title={`Upgrade ${name}`}
      confirmLabel={target ? `Upgrade to version ${target}` : 'Upgrade'}
      loading={upgrade.isPending}
      confirmDisabled={!target}
      onConfirm={confirm}
    >
      {versions.length === 0 ? (
        <Text size="sm">This token already uses the latest API version ({token.apiVersion}).</Text>
      ) : (
        <Stack gap="sm">
          <Text size="sm">
            The token uses API version <strong>{token.apiVersion}</strong>. Upgrading cannot be undone; align your integration with the new version first.
          </Text>
          <Select
            label="Upgrade to version"
            data={versions.map((v) => ({ value: String(v), label: `Version ${v}` }))}
            value={String(target)}
            onChange={setChosen}
            allowDeselect={false}
          />
          {token.kind !== 'scoped' ? null : dropped.length === 0 ? (
            <Alert color="teal" variant="light">
              All {pluralize(token.scopes.length, 'scope')} of this token exist in version {target}.
            </Alert>
          ) : (
            <Alert color="yellow" variant="light" title={`${pluralize(dropped.length, 'scope')} will be dropped`}>
              <Text size="sm" mb="xs">
                Version {target} no longer has these endpoints, so the token loses them:
              </Text>
              <List spacing={4} size="sm" listStyleType="none">
                {dropped.map((scope) => (
                  <List.Item key={scope.id}>
                    <MethodBadge method={scope.method} /> {scope.name}
                  </List.Item>
                ))}
              </List>
            </Alert>
          )}
        </Stack>
      )}
    </ConfirmDialog>
  );
}
