/**
 * Where toasts appear, loaded on its own after the first page (main.tsx): Mantine's container, its transitions and
 * its store subscription are not needed to draw any page. A toast shown before it arrives waits in the store
 * (lib/notify.ts) and appears once it has.
 */
import { Notifications } from '@mantine/notifications';

export default function Toasts() {
  // Top centre under the header (styles.css): clear of the menus at the top right and of the Update and Discard buttons at the bottom of forms.
  return <Notifications position="top-center" limit={4} />;
}
