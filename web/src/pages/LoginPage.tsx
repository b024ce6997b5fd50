import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useIsMutating, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { isApiError } from '../api/client.js';
import { SIGN_OUT_KEY, useSignIn } from '../api/mutations.js';
import { PublicLayout } from '../components/PublicLayout.js';
import { sentence } from '../lib/fieldErrors.js';
import { safeNextPath } from '../lib/routes.js';

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const signIn = useSignIn();
  const queryClient = useQueryClient();
  // Whoever was signed in before, nothing of theirs stays cached for the next user. Done here, once the
  // signed-in pages are gone, so none of their queries refetches without a session.
  useEffect(() => queryClient.removeQueries(), [queryClient]);
  // A sign-out still under way would end the session this form is about to start.
  const signingOut = useIsMutating({ mutationKey: SIGN_OUT_KEY }) > 0;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const error = signIn.error;
  // Every refusal shows here, in the server's words: a wrong password, throttling, an unreachable server.
  const formError = isApiError(error) ? error : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email: email.trim(), password }, { onSuccess: () => navigate(safeNextPath(params.get('next')), { replace: true }) });
  };

  return (
    <PublicLayout title="Sign in" subtitle="Manage your account's API access tokens.">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {formError && formError.fieldErrors.length === 0 && (
            <Alert color="red" variant="light" role="alert">
              {formError.message}
            </Alert>
          )}
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={sentence('Email', formError?.fieldMessage('email'))}
            data-autofocus
            autoFocus
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={sentence('Password', formError?.fieldMessage('password'))}
          />
          <Button type="submit" loading={signIn.isPending || signingOut} disabled={!email.trim() || !password} fullWidth mt="xs">
            Sign in
          </Button>
        </Stack>
      </form>
    </PublicLayout>
  );
}
