import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { isApiError } from '../api/client.js';
import { useFirstRunSetup } from '../api/mutations.js';
import { PublicLayout } from '../components/PublicLayout.js';
import { sentence } from '../lib/fieldErrors.js';
import { routes } from '../lib/routes.js';

const FIELD_LABELS = { name: 'Your name', email: 'Email', password: 'Password', accountName: 'Account name' } as const;

/** First run: the setup link printed by the server creates the first administrator and account, then signs in. */
export function SetupPage() {
  const [params] = useSearchParams();
  const setupToken = params.get('token') ?? '';
  const navigate = useNavigate();
  const setup = useFirstRunSetup();
  const [form, setForm] = useState({ name: '', email: '', password: '', accountName: '' });
  const field = (key: keyof typeof form) => ({
    label: FIELD_LABELS[key],
    value: form[key],
    onChange: (e: { currentTarget: HTMLInputElement }) => {
      const value = e.currentTarget.value; // read now: the event's target is gone by the time the updater runs
      setForm((f) => ({ ...f, [key]: value }));
    },
    error: sentence(FIELD_LABELS[key], isApiError(setup.error) ? setup.error.fieldMessage(key) : undefined),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setup.mutate(
      { token: setupToken, email: form.email.trim(), password: form.password, accountName: form.accountName.trim(), ...(form.name.trim() ? { name: form.name.trim() } : {}) },
      { onSuccess: (session) => navigate(session.accounts[0] ? routes.apiPage(session.accounts[0].id) : '/', { replace: true }) },
    );
  };

  if (!setupToken) {
    return (
      <PublicLayout title="Set up Sidekey" subtitle="First-run setup">
        <Alert color="yellow" variant="light">
          This setup link is incomplete. Open the link that <code>sidekey serve</code> printed when it started for the first time.
        </Alert>
      </PublicLayout>
    );
  }

  const error = setup.error;
  const generalError = isApiError(error) && (error.status === 400 || error.status === 401) && error.fieldErrors.length === 0 ? error.message : null;
  return (
    <PublicLayout title="Set up Sidekey" subtitle="Create the first administrator and the account whose API tokens you will manage.">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {generalError && (
            <Alert color="red" variant="light" role="alert">
              {generalError}
            </Alert>
          )}
          <TextInput autoComplete="name" {...field('name')} />
          <TextInput type="email" autoComplete="username" required {...field('email')} />
          <PasswordInput autoComplete="new-password" description="At least 12 characters." required {...field('password')} />
          <TextInput description="Your company or brand, as your users will see it." required {...field('accountName')} />
          <Button type="submit" loading={setup.isPending} disabled={!form.email.trim() || !form.password || !form.accountName.trim()} fullWidth mt="xs">
            Create administrator and account
          </Button>
        </Stack>
      </form>
    </PublicLayout>
  );
}
