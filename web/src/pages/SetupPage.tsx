import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { isApiError } from '../api/client.js';
import { useFirstRunSetup } from '../api/mutations.js';
import { useSetupLinkState } from '../api/queries.js';
import { LoadError, SectionLoader } from '../components/Feedback.js';
import { PublicLayout } from '../components/PublicLayout.js';
import { sentence } from '../lib/fieldErrors.js';
import { routes } from '../lib/routes.js';

const FIELD_LABELS = { name: 'Your name', email: 'Email', password: 'Password', accountName: 'Account name' } as const;
const NEW_LINK = 'Restart the server to print a new link, or create the administrator from the shell with npx sidekey admin create.';

/**
 * First run: the setup link printed by the server creates the first administrator and account, then signs in.
 * The link is checked when the page opens, so a used or expired one says so before anyone fills in the form.
 */
export function SetupPage() {
  const [params] = useSearchParams();
  const setupToken = params.get('token') ?? '';
  const link = useSetupLinkState(setupToken);
  const title = 'Set up Sidekey';

  if (!setupToken) {
    return (
      <PublicLayout title={title} subtitle="First-run setup">
        <Alert color="yellow" variant="light">
          This setup link is incomplete. Open the whole link that the server printed when it started for the first time.
        </Alert>
      </PublicLayout>
    );
  }
  if (link.isPending) {
    return (
      <PublicLayout title={title} subtitle="First-run setup">
        <SectionLoader label="Checking the setup link" />
      </PublicLayout>
    );
  }
  if (link.isError) {
    return (
      <PublicLayout title={title} subtitle="First-run setup">
        <LoadError error={link.error} onRetry={() => void link.refetch()} />
      </PublicLayout>
    );
  }
  if (link.data.state === 'already_set_up') return <AlreadySetUp />;
  if (link.data.state === 'invalid') return <InvalidLink />;
  return <SetupForm setupToken={setupToken} />;
}

function AlreadySetUp() {
  return (
    <PublicLayout title="Sidekey is already set up" subtitle="This setup link has been used, or is no longer needed.">
      <Stack gap="md">
        <Text>An administrator and an account already exist. Sign in with your e-mail and password.</Text>
        <Button component={Link} to={routes.login()} fullWidth>
          Sign in
        </Button>
      </Stack>
    </PublicLayout>
  );
}

function InvalidLink() {
  return (
    <PublicLayout title="This setup link does not work" subtitle="First-run setup">
      <Alert color="red" variant="light" role="alert">
        The link is unknown, expired (it is valid for 15 minutes) or already used. {NEW_LINK}
      </Alert>
    </PublicLayout>
  );
}

function SetupForm({ setupToken }: { setupToken: string }) {
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

  const error = setup.error;
  // Every refusal without a field to point at shows above the form, in plain words.
  const generalError = isApiError(error) && error.fieldErrors.length === 0 ? error : null;
  return (
    <PublicLayout title="Set up Sidekey" subtitle="Create the first administrator and the account whose API tokens you will manage.">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {generalError && (
            <Alert color="red" variant="light" role="alert">
              {generalError.status === 404 ? `This setup link no longer works: it expired or was used meanwhile. ${NEW_LINK}` : generalError.message}
              {generalError.status === 404 && (
                <>
                  {' '}
                  <Anchor component={Link} to={routes.login()} size="sm">
                    Sign in
                  </Anchor>
                </>
              )}
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
