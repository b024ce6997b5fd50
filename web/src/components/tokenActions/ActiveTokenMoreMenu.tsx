/** The [More] menu once used (TokenMoreMenu.tsx): opened at once, around the button that was clicked. */
import { ActionIcon, Menu } from '@mantine/core';
import { useState } from 'react';
import type { TokenDto } from '../../../../src/http/management/schemas.js';
import { useCatalog } from '../../api/queries.js';
import { newerVersions } from '../../lib/scopes.js';
import { DotsIcon } from '../icons.js';
import { useFocusOnMount } from '../MenuOnFirstUse.js';
import { DeleteTokenDialog } from './DeleteTokenDialog.js';
import { ResetTokenDialog } from './ResetTokenDialog.js';
import { UpgradeVersionDialog } from './UpgradeVersionDialog.js';
import { useQuickTokenActions } from './useQuickTokenActions.js';

type Dialog = 'reset' | 'upgrade' | 'delete' | null;

export interface TokenMoreMenuProps {
  token: TokenDto;
  onDeleted?: () => void;
  className?: string;
}

/** Legacy tokens cannot be duplicated or deleted. */
export default function ActiveTokenMoreMenu({ token, onDeleted, className }: TokenMoreMenuProps) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const catalog = useCatalog();
  const actions = useQuickTokenActions(token.accountId);
  const target = useFocusOnMount();
  // A canary has no API version to move (the server refuses it too).
  const canUpgrade = token.kind !== 'canary' && catalog.data ? newerVersions(catalog.data, token.apiVersion).length > 0 : false;
  const close = () => setDialog(null);
  // Scoped tokens and canaries are the list's own; the legacy pair is neither copied nor deleted.
  const scoped = token.kind === 'scoped' || token.kind === 'canary';

  return (
    <>
      <Menu position="bottom-end" width={200} withinPortal defaultOpened>
        <Menu.Target>
          <ActionIcon ref={target} variant="subtle" color="gray" aria-label={`More actions for ${token.name}`} className={className} loading={actions.busy}>
            <DotsIcon />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          {scoped && <Menu.Item onClick={() => actions.duplicate(token)}>Duplicate</Menu.Item>}
          <Menu.Item onClick={() => setDialog('reset')}>Reset</Menu.Item>
          <Menu.Item onClick={() => setDialog('upgrade')} disabled={!canUpgrade}>
            Upgrade Version
          </Menu.Item>
          <Menu.Item onClick={() => actions.toggleState(token)}>{token.state === 'enabled' ? 'Disable' : 'Enable'}</Menu.Item>
          {scoped && (
            <>
              <Menu.Divider />
              {/* red.9 draws the label in shade 9 (5.4:1 on white); plain red uses the filled shade 7, 3.9:1, below WCAG AA. */}
              <Menu.Item color="red.9" onClick={() => setDialog('delete')}>
                Delete
              </Menu.Item>
            </>
          )}
        </Menu.Dropdown>
      </Menu>
      {/* Mounted only while open. */}
      {dialog === 'reset' && <ResetTokenDialog token={token} opened onClose={close} />}
      {dialog === 'upgrade' && <UpgradeVersionDialog token={token} opened onClose={close} />}
      {dialog === 'delete' && <DeleteTokenDialog token={token} opened onClose={close} onDeleted={onDeleted} />}
    </>
  );
}
