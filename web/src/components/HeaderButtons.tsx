/** The header's menu buttons, the same whether their menu (HeaderMenus.tsx) is mounted yet or not. */
import { Avatar, Button, Group, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import type { ComponentPropsWithRef } from 'react';
import type { MeDto } from '../../../src/http/management/schemas.js';
import type { Membership } from '../auth/account.js';

export type ButtonProps = Omit<ComponentPropsWithRef<'button'>, 'color' | 'style'>;

export function AccountButton({ current, ...props }: { current: Membership } & ButtonProps) {
  return (
    <Button variant="default" size="xs" aria-label={`Account: ${current.name}. Switch account`} {...props}>
      {current.name}
    </Button>
  );
}

function initials(name: string, email: string): string {
  const words = (name || email).split(/[\s@.]+/).filter(Boolean);
  return words
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

export function ProfileButton({ me, ...props }: { me: MeDto } & ButtonProps) {
  return (
    // Named by its visible text (WCAG "label in name"); the initials are decoration.
    <UnstyledButton {...props}>
      <Group gap="xs" wrap="nowrap">
        <Avatar color="brand" radius="xl" size={34} aria-hidden="true">
          {initials(me.user.name, me.user.email)}
        </Avatar>
        <VisuallyHidden>User menu for</VisuallyHidden>
        <Text size="sm" fw={500} visibleFrom="sm">
          {me.user.name || me.user.email}
        </Text>
      </Group>
    </UnstyledButton>
  );
}
