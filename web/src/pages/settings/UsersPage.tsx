/**
 * Settings → Account → Users, for Account Administrators: who is in the account, with which role and when they
 * last signed in; add a user (an initial password or a one-time invite link), change a role, remove. The server
 * keeps the last Account Administrator; its refusal is shown here, next to the table.
 */
import { Alert, Anchor, Badge, Breadcrumbs, Button, Card, Group, Modal, PasswordInput, Radio, Select, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { PASSWORD_HINT, passwordProblem } from '../../../../src/domain/password.js';
import { ROLE_LABELS, ROLES } from '../../../../src/domain/roles.js';
import { isEmail } from '../../../../src/domain/fields.js';
import type { AccountUserDto, AddedUserDto } from '../../../../src/http/management/schemas.js';
import { isApiError } from '../../api/client.js';
import { useAddUser, useChangeRole, useRemoveUser } from '../../api/mutations.js';
import { useAccountUsers, useMe } from '../../api/queries.js';
import { useCurrentAccount } from '../../auth/account.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { CopyValueButton } from '../../components/CopyValueButton.js';
import { LoadError, NoAccessPanel, SectionLoader } from '../../components/Feedback.js';
import { PlusIcon } from '../../components/icons.js';
import { mayManageUsers } from '../../lib/access.js';
import { sentence } from '../../lib/fieldErrors.js';
import { formatDateTime } from '../../lib/format.js';
import { notifySuccess } from '../../lib/notify.js';
import { routes } from '../../lib/routes.js';

type Role = AccountUserDto['role'];
const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }));

export default function UsersPage() {
  const { account } = useCurrentAccount();
  return (
    <Stack gap="lg">
      <Breadcrumbs>
        <Anchor component={Link} to={routes.settings(account.id)}>
          Settings
        </Anchor>
        <Text>Account</Text>
        <Text>Users</Text>
      </Breadcrumbs>
      {mayManageUsers(account.role) ? <UsersCard accountId={account.id} /> : <NoAccessPanel title="No access to users" message="You need the Account Administrator role to manage this account's users." backTo={routes.settings(account.id)} />}
    </Stack>
  );
}

function UsersCard({ accountId }: { accountId: string }) {
  const users = useAccountUsers(accountId);
  const me = useMe();
  const changeRole = useChangeRole(accountId);
  const remove = useRemoveUser(accountId);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<AccountUserDto | null>(null);
  const refusal = changeRole.error ?? remove.error;
  const clearRefusal = () => {
    changeRole.reset();
    remove.reset();
  };

  if (users.isError) return <LoadError error={users.error} onRetry={() => void users.refetch()} />;
  if (!users.data) return <SectionLoader label="Loading users" />;
  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>Users</Title>
        <Button leftSection={<PlusIcon size={16} />} onClick={() => setAdding(true)}>
          Add user
        </Button>
      </Group>
      {refusal && (
        <Alert color="red" variant="light" role="alert" withCloseButton closeButtonLabel="Dismiss" onClose={clearRefusal}>
          {isApiError(refusal) ? refusal.message : String(refusal)}
        </Alert>
      )}
      <Card p={0}>
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="Users of this account">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Last sign-in</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data.map((user) => (
                <Table.Tr key={user.id}>
                  <Table.Td>
                    {user.name}
                    {user.id === me.data?.user.id && (
                      <Text span c="dimmed" size="sm">
                        {' '}
                        (you)
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{user.email}</Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={`Role of ${user.name}`}
                      data={ROLE_OPTIONS}
                      value={user.role}
                      allowDeselect={false}
                      disabled={changeRole.isPending}
                      onChange={(role) => {
                        if (!role || role === user.role) return;
                        remove.reset();
                        changeRole.mutate({ userId: user.id, role: role as Role }, { onSuccess: (u) => notifySuccess(`${u.name} is now ${ROLE_LABELS[u.role]}.`) });
                      }}
                      w={260}
                    />
                  </Table.Td>
                  <Table.Td>
                    {user.invitePending ? (
                      <Badge variant="light" color="yellow">
                        Invite pending
                      </Badge>
                    ) : user.lastSignInAt ? (
                      formatDateTime(user.lastSignInAt)
                    ) : (
                      <Text span c="dimmed" size="sm">
                        Never
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Button variant="subtle" color="red" size="xs" onClick={() => {
                        clearRefusal();
                        setRemoving(user);
                      }} aria-label={`Remove ${user.name}`}>
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      <AddUserDialog accountId={accountId} opened={adding} onClose={() => setAdding(false)} />
      <ConfirmDialog
        opened={removing !== null}
        title={`Remove ${removing?.name ?? ''}?`}
        confirmLabel="Remove user"
        danger
        loading={remove.isPending}
        onClose={() => setRemoving(null)}
        onConfirm={() =>
          removing &&
          remove.mutate(removing.id, {
            onSuccess: () => notifySuccess(`${removing.name} is removed from this account.`),
            onSettled: () => setRemoving(null),
          })
        }
      >
        <Text size="sm">
          {removing?.email} loses access to this account at once. Their sign-in stays if they belong to other accounts; tokens naming them as primary contact keep their other settings.
        </Text>
      </ConfirmDialog>
    </Stack>
  );
}

function AddUserDialog({ accountId, opened, onClose }: { accountId: string; opened: boolean; onClose: () => void }) {
  const add = useAddUser(accountId);
  const [form, setForm] = useState({ email: '', name: '', role: 'analyst' as Role, how: 'invite' as 'invite' | 'password', password: '' });
  const [tried, setTried] = useState(false);
  const [added, setAdded] = useState<AddedUserDto | null>(null);
  const close = () => {
    setForm({ email: '', name: '', role: 'analyst', how: 'invite', password: '' });
    setTried(false);
    setAdded(null);
    add.reset();
    onClose();
  };
  const emailProblem = isEmail(form.email.trim()) ? undefined : 'Enter a valid e-mail address.';
  const passwordIssue = form.how === 'password' ? passwordProblem(form.password) : undefined;
  const serverField = (field: string) => (isApiError(add.error) ? add.error.fieldMessage(field) : undefined);
  const general = isApiError(add.error) && add.error.fieldErrors.length === 0 ? add.error.message : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (emailProblem || passwordIssue) return;
    const common = { email: form.email.trim(), role: form.role, ...(form.name.trim() ? { name: form.name.trim() } : {}) };
    add.mutate(form.how === 'invite' ? { ...common, invite: true } : { ...common, password: form.password }, {
      onSuccess: (result) => {
        if (result.inviteUrl) setAdded(result);
        else {
          notifySuccess(result.existing ? `${result.user.email} already had a sign-in and can use it for this account now.` : `${result.user.email} can sign in now.`, 'User added');
          close();
        }
      },
    });
  };

  return (
    <Modal opened={opened} onClose={close} title={added ? 'Send the invite link' : 'Add user'} size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      {added?.inviteUrl ? (
        <Stack gap="md">
          <Text size="sm">
            {added.user.email} is added as {ROLE_LABELS[added.user.role]}. Send them this one-time link: it lets them choose a password once, until {formatDateTime(added.inviteExpiresAt!)}. It is shown only now.
          </Text>
          <Group gap="xs" wrap="nowrap">
            <TextInput label="Invite link" value={added.inviteUrl} readOnly style={{ flex: 1 }} onFocus={(e) => e.currentTarget.select()} />
            <CopyValueButton label="invite link" value={added.inviteUrl} />
          </Group>
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            {general && (
              <Alert color="red" variant="light" role="alert">
                {general}
              </Alert>
            )}
            <TextInput label="Email" type="email" autoComplete="off" required value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} error={(tried && emailProblem) || sentence('Email', serverField('email'))} data-autofocus />
            <TextInput label="Name" description="Optional: they can change it themselves." value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} maxLength={200} />
            <Select label="Role" data={ROLE_OPTIONS} value={form.role} allowDeselect={false} onChange={(role) => role && setForm({ ...form, role: role as Role })} />
            <Radio.Group label="How they get in" value={form.how} onChange={(how) => setForm({ ...form, how: how as 'invite' | 'password' })}>
              <Stack gap="xs" mt={6}>
                <Radio value="invite" label="A one-time invite link (valid 7 days) with which they choose their password" />
                <Radio value="password" label="An initial password that you give them" />
              </Stack>
            </Radio.Group>
            {form.how === 'password' && (
              <PasswordInput label="Initial password" autoComplete="new-password" description={PASSWORD_HINT} value={form.password} onChange={(e) => setForm({ ...form, password: e.currentTarget.value })} error={(tried && passwordIssue && sentence('Initial password', passwordIssue)) || sentence('Initial password', serverField('password'))} required />
            )}
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={add.isPending}>
                Add user
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
