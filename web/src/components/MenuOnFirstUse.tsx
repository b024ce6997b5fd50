/**
 * A menu that is only its button until first used: the menu (Mantine's popover, floating-ui and focus handling,
 * and the dialogs it opens) is neither part of the page's first load nor mounted as the page draws — a list of a
 * thousand cards carries a thousand buttons, not a thousand menus. `menu` is a component made with
 * lazyAfterFirstPage (lib/firstPage.ts), so its code is fetched once the first page is drawn; the first click
 * mounts the menu opened, around the same button.
 */
import { type ComponentPropsWithRef, type ReactElement, Suspense, useEffect, useRef, useState } from 'react';

export type MenuButtonProps = Pick<ComponentPropsWithRef<'button'>, 'aria-haspopup' | 'aria-expanded' | 'onClick'>;

export function MenuOnFirstUse({ button, menu }: { button: (props: MenuButtonProps) => ReactElement; menu: ReactElement }) {
  const [used, setUsed] = useState(false);
  const plain = button({ 'aria-haspopup': 'menu', 'aria-expanded': false, onClick: () => setUsed(true) });
  if (!used) return plain;
  return <Suspense fallback={plain}>{menu}</Suspense>;
}

/** For the menu's target: the menu replaced the plain button under the user's pointer or keyboard, so the focus stays where they were. */
export function useFocusOnMount() {
  const target = useRef<HTMLButtonElement>(null);
  useEffect(() => target.current?.focus(), []);
  return target;
}
