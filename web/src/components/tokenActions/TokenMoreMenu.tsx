import { ActionIcon } from '@mantine/core';
import { lazy } from 'react';
import { DotsIcon } from '../icons.js';
import { MenuOnFirstUse } from '../MenuOnFirstUse.js';
import type { TokenMoreMenuProps } from './ActiveTokenMoreMenu.js';

const loadMenu = () => import('./ActiveTokenMoreMenu.js');
const ActiveTokenMoreMenu = lazy(loadMenu);

/** The [More] menu of a token, on its card and on its page: a plain button until first used (MenuOnFirstUse). */
export function TokenMoreMenu(props: TokenMoreMenuProps) {
  return (
    <MenuOnFirstUse
      load={loadMenu}
      button={(plain) => (
        <ActionIcon variant="subtle" color="gray" aria-label={`More actions for ${props.token.name}`} className={props.className} {...plain}>
          <DotsIcon />
        </ActionIcon>
      )}
      menu={<ActiveTokenMoreMenu {...props} />}
    />
  );
}
