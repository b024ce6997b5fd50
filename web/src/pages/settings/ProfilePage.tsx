/** Settings → User → Profile: your own name, and your password (changing it signs you out everywhere else). */
import { Alert, Anchor, Breadcrumbs, Button, Card, Group, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { PASSWORD_HINT, passwordProblem } from '../../../../src/domain/password.js';
import { isApiError } from '../../api/client.js';
import { useChangePassword, useUpdateProfile } from '../../api/mutations.js';
import { useMe } from '../../api/queries.js';
import { useCurrentAccount } from '../../auth/account.js';
import { sentence } from '../../lib/fieldErrors.js';
import { notifySuccess } from '../../lib/notify.js';
import { routes } from '../../lib/routes.js';

export default function ProfilePage() {
  const { account } = useCurrentAccount();
  return (
    <Stack gap="lg" maw={560}>
      <Breadcrumbs>
        <Anchor component={Link} to={routes.settings(account.id)}>
          Settings
        </Anchor>
        <Text>User</Text>
        <Text>Profile</Text>
      </Breadcrumbs>
      <Title order={1}>Profile</Title>
      <NameCard />
      <PasswordCard />
    </Stack>
  );
}

function NameCard() {
  const me = useMe();
  const update = useUpdateProfile();
  const [name, setName] = useState<string | null>(null);
  const current = me.data?.user.name ?? '';
  const value = name ?? current;
  const serverError = isApiError(update.error) ? update.error.fieldMessage('name') : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(
      { name: value.trim() },
      {
        onSuccess: () => {
          setName(null);
          notifySuccess('Your name is saved.');
        },
      },
    );
  };
  return (
    <Card component="section" aria-labelledby="profile-name">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Title order={2} size="h4" id="profile-name">
            Name and e-mail
          </Title>
          <TextInput label="Email" value={me.data?.user.email ?? ''} readOnly description="Your sign-in. An operator can change it." />
          <TextInput label="Name" autoComplete="name" value={value} onChange={(e) => setName(e.currentTarget.value)} error={sentence('Name', serverError)} maxLength={200} required />
          <Group>
            <Button type="submit" loading={update.isPending} disabled={!value.trim() || value.trim() === current}>
              Save name
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function PasswordCard() {
  const change = useChangePassword();
  const [form, setForm] = useState({ current: '', next: '', repeat: '' });
  const [tried, setTried] = useState(false);
  const [done, setDone] = useState<number | null>(null);
  const set = (key: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) => {
    const value = e.currentTarget.value;
    setForm((f) => ({ ...f, [key]: value }));
  };
  const nextProblem = passwordProblem(form.next);
  const repeatProblem = form.repeat !== form.next ? 'The two new passwords differ.' : undefined;
  const error = change.error;
  const wrongCurrent = isApiError(error) ? error.fieldMessage('currentPassword') : undefined;
  const general = isApiError(error) && !wrongCurrent && !error.fieldMessage('newPassword') ? error.message : error && !isApiError(error) ? String(error) : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    setDone(null);
    if (nextProblem || repeatProblem || !form.current) return;
    change.mutate(
      { currentPassword: form.current, newPassword: form.next },
      {
        onSuccess: ({ otherSessionsEnded }) => {
          setForm({ current: '', next: '', repeat: '' });
          setTried(false);
          setDone(otherSessionsEnded);
        },
      },
    );
  };
  return (
    <Card component="section" aria-labelledby="profile-password">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Title order={2} size="h4" id="profile-password">
            Password
          </Title>
          <Text size="sm" c="dimmed">
            Changing your password signs you out on every other browser and device. This one stays signed in.
          </Text>
          {done !== null && (
            <Alert color="teal" variant="light" role="status">
              Your password is changed. {done === 0 ? 'No other session was open.' : `${done} other session${done === 1 ? ' was' : 's were'} signed out.`}
            </Alert>
          )}
          {general && (
            <Alert color="red" variant="light" role="alert">
              {general}
            </Alert>
          )}
          <PasswordInput label="Current password" autoComplete="current-password" value={form.current} onChange={set('current')} error={sentence('Current password', wrongCurrent) ?? (tried && !form.current ? 'Enter your current password.' : undefined)} required />
          <PasswordInput label="New password" autoComplete="new-password" description={PASSWORD_HINT} value={form.next} onChange={set('next')} error={tried && nextProblem ? sentence('New password', nextProblem) : sentence('New password', isApiError(error) ? error.fieldMessage('newPassword') : undefined)} required />
          <PasswordInput label="Repeat the new password" autoComplete="new-password" value={form.repeat} onChange={set('repeat')} error={tried ? repeatProblem : undefined} required />
          <Group>
            <Button type="submit" loading={change.isPending}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
