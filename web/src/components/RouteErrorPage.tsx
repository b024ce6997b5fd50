import { Button, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useRouteError } from 'react-router';

/** What a page that crashed shows instead of a blank screen: what happened and two ways out. */
export function RouteErrorPage() {
  const error = useRouteError();
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'Unknown error';
  return (
    <Paper withBorder p="xl" maw={620} mx="auto" mt={80} component="main">
      <Stack gap="sm">
        <Title order={1} size="h3">
          Something went wrong
        </Title>
        <Text c="dimmed">This page hit an unexpected error. Reloading usually helps; if it keeps happening, tell your administrator.</Text>
        <Code block>{message}</Code>
        <Group>
          <Button onClick={() => window.location.reload()}>Reload</Button>
          <Button variant="default" component="a" href="/">
            Go to start
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
