/** The legacy pair's [More] menu once used (LegacyTokensCard.tsx): opened at once, around the button that was clicked. */
import { ActionIcon, Menu } from '@mantine/core';
import { Fragment, useState } from 'react';
import { useCatalog } from '../../api/queries.js';
import { DotsIcon } from '../../components/icons.js';
import { useFocusOnMount } from '../../components/MenuOnFirstUse.js';
import { ResetTokenDialog } from '../../components/tokenActions/ResetTokenDialog.js';
import { UpgradeVersionDialog } from '../../components/tokenActions/UpgradeVersionDialog.js';
import { useQuickTokenActions } from '../../components/tokenActions/useQuickTokenActions.js';
import { newerVersions } from '../../lib/scopes.js';
import type { TokenDto } from '../../../../src/http/management/schemas.js';

export type PairToken = { token: TokenDto; label: string; access: string };

type Dialog = { kind: 'reset' | 'upgrade'; pair: PairToken } | null;

export default function LegacyMoreMenu({ pairs }: { pairs: PairToken[] }) {
  const target = useFocusOnMount();
  const [dialog, setDialog] = useState<Dialog>(null);
  const catalog = useCatalog();
  const actions = useQuickTokenActions(pairs[0].token.accountId);
  const close = () => setDialog(null);
  return (
    <>
      <Menu position="bottom-end" width={240} withinPortal defaultOpened>
        <Menu.Target>
          <ActionIcon ref={target} variant="subtle" color="gray" aria-label="More actions for Legacy Account Tokens" loading={actions.busy}>
            <DotsIcon />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          {pairs.map((pair, i) => (
            <Fragment key={pair.token.id}>
              {i > 0 && <Menu.Divider />}
              <Menu.Label>{pair.label}</Menu.Label>
              <Menu.Item onClick={() => setDialog({ kind: 'reset', pair })}>Reset {pair.label} token</Menu.Item>
              {catalog.data && newerVersions(catalog.data, pair.token.apiVersion).length > 0 && (
                <Menu.Item onClick={() => setDialog({ kind: 'upgrade', pair })}>Upgrade {pair.label} version</Menu.Item>
              )}
              <Menu.Item onClick={() => actions.toggleState(pair.token, `The ${pair.label} token`)}>
                {pair.token.state === 'enabled' ? 'Disable' : 'Enable'} {pair.label} token
              </Menu.Item>
            </Fragment>
          ))}
        </Menu.Dropdown>
      </Menu>
      {dialog?.kind === 'reset' && <ResetTokenDialog token={dialog.pair.token} label={`the ${dialog.pair.label} token`} opened onClose={close} />}
      {dialog?.kind === 'upgrade' && <UpgradeVersionDialog token={dialog.pair.token} label={`the ${dialog.pair.label} token`} opened onClose={close} />}
    </>
  );
}
