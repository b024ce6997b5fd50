import { ActionIcon } from '@mantine/core';
import { DotsIcon } from '../icons.js';
import { lazyAfterFirstPage } from '../../lib/firstPage.js';
import { MenuOnFirstUse } from '../MenuOnFirstUse.js';
import type { TokenMoreMenuProps } from './ActiveTokenMoreMenu.js';

const ActiveTokenMoreMenu = lazyAfterFirstPage(() => import('./ActiveTokenMoreMenu.js'));

/** The [More] menu of a token, on its card and on its page: a plain button until first used (MenuOnFirstUse). */
export function TokenMoreMenu(props: TokenMoreMenuProps) {
  return (
    <MenuOnFirstUse
      button={(plain) => (
        <ActionIcon variant="subtle" color="gray" aria-label={`More actions for ${props.token.name}`} className={props.className} {...plain}>
          <DotsIcon />
        </ActionIcon>
      )}
      menu={<ActiveTokenMoreMenu {...props} />}
    />
  );
}
