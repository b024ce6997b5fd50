/** Loading, failure and "nothing here" states, so every page says what is happening instead of going blank. */
import { Alert, Button, Center, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { isApiError } from '../api/client.js';
import { AlertIcon, ShieldIcon } from './icons.js';

export function FullPageLoader({ label }: { label: string }) {
  return (
    <Center h="100vh" role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader />
        <Text c="dimmed" size="sm">
          {label}…
        </Text>
      </Stack>
    </Center>
  );
}

export function SectionLoader({ label }: { label: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="xs">
        <Loader size="sm" />
        <Text c="dimmed" size="sm">
          {label}…
        </Text>
      </Group>
    </Center>
  );
}

export function LoadError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = isApiError(error) || error instanceof Error ? error.message : 'Unknown error';
  return (
    <Alert color="red" variant="light" title="Could not load this page" icon={<AlertIcon />} my="md">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{message}</Text>
        {onRetry && (
          <Button size="xs" variant="white" color="red" onClick={onRetry}>
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

export function NotFoundPanel({ title, message }: { title: string; message: string }) {
  return (
    <Paper withBorder p="xl" maw={560} mx="auto" mt="xl">
      <Stack gap="sm">
        <Title order={2} size="h3">
          {title}
        </Title>
        <Text c="dimmed">{message}</Text>
        <Group>
          <Button component={Link} to="/" variant="light">
            Go to start
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** A page the role may not see: which page, why, and the way back to the Settings page it came from. */
export function NoAccessPanel({ title, message, backTo }: { title: string; message: string; backTo: string }) {
  return (
    <Paper withBorder p="xl" maw={620} mx="auto" mt="xl">
      <Group align="flex-start" wrap="nowrap" gap="md">
        <ShieldIcon size={28} color="var(--mantine-color-gray-6)" />
        <Stack gap={6} align="flex-start">
          <Title order={2} size="h4">
            {title}
          </Title>
          <Text c="dimmed">{message}</Text>
          <Button component={Link} to={backTo} variant="light" mt="xs">
            Back to Settings
          </Button>
        </Stack>
      </Group>
    </Paper>
  );
}
