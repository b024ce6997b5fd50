/** An invited user's one-time link: says whom it is for (checked on load), sets their password, and signs in. */
import { Alert, Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { PASSWORD_HINT, passwordProblem } from '../../../src/domain/password.js';
import { isApiError } from '../api/client.js';
import { useAcceptInvite } from '../api/mutations.js';
import { useInvite } from '../api/queries.js';
import { SectionLoader } from '../components/Feedback.js';
import { PublicLayout } from '../components/PublicLayout.js';
import { sentence } from '../lib/fieldErrors.js';
import { routes } from '../lib/routes.js';

const INVALID = 'This invite link is invalid, expired or already used. Ask an Account Administrator of your account for a new one.';

export function InvitePage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const invite = useInvite(token);
  if (!token || invite.isError || invite.data?.state === 'invalid') {
    return (
      <PublicLayout title="Join Sidekey" subtitle="Invite link">
        <Stack gap="md">
          <Alert color="yellow" variant="light" role="alert">
            {!invite.isError ? INVALID : isApiError(invite.error) ? invite.error.message : 'The invite could not be checked.'}
          </Alert>
          <Anchor component={Link} to={routes.login()}>
            Go to sign-in
          </Anchor>
        </Stack>
      </PublicLayout>
    );
  }
  if (invite.data?.state !== 'valid') return <SectionLoader label="Checking the invite link" />;
  return <InviteForm token={token} email={invite.data.email} name={invite.data.name} accountName={invite.data.accountName} />;
}

function InviteForm({ token, email, name: invitedName, accountName }: { token: string; email: string; name: string; accountName: string }) {
  const navigate = useNavigate();
  const accept = useAcceptInvite();
  const [name, setName] = useState(invitedName);
  const [password, setPassword] = useState('');
  const [tried, setTried] = useState(false);
  const problem = passwordProblem(password);
  const error = accept.error;
  const general = isApiError(error) && error.fieldErrors.length === 0 ? (error.status === 404 ? INVALID : error.message) : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (problem) return;
    accept.mutate({ token, password, ...(name.trim() ? { name: name.trim() } : {}) }, { onSuccess: (session) => navigate(session.accounts[0] ? routes.settings(session.accounts[0].id) : '/', { replace: true }) });
  };
  return (
    <PublicLayout title="Join Sidekey" subtitle={`You are invited to ${accountName}. Choose a password to sign in as ${email}.`}>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {general && (
            <Alert color="red" variant="light" role="alert">
              {general}
            </Alert>
          )}
          <TextInput label="Email" value={email} readOnly autoComplete="username" />
          <TextInput label="Your name" autoComplete="name" value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={200} />
          <PasswordInput
            label="Password"
            autoComplete="new-password"
            description={PASSWORD_HINT}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={tried && problem ? sentence('Password', problem) : sentence('Password', isApiError(error) ? error.fieldMessage('password') : undefined)}
            required
          />
          <Button type="submit" loading={accept.isPending} fullWidth mt="xs">
            Set password and sign in
          </Button>
        </Stack>
      </form>
    </PublicLayout>
  );
}
