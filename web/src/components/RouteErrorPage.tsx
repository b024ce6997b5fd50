import { Button, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useRouteError } from 'react-router';

/**
 * A page's code that did not arrive: the connection dropped, or the server was updated and the old file names
 * are gone. Browsers word it differently (Chromium, Firefox, Safari); a reload fetches the current files.
 */
function isChunkLoadError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /dynamically imported module|Importing a module script failed|error loading dynamically imported module/i.test(message);
}

/** What a page that crashed shows instead of a blank screen: what happened and two ways out. */
export function RouteErrorPage() {
  const error = useRouteError();
  const chunk = isChunkLoadError(error);
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'Unknown error';
  return (
    <Paper withBorder p="xl" maw={620} mx="auto" mt={80} component="main">
      <Stack gap="sm">
        <Title order={1} size="h3">
          {chunk ? 'This page could not be loaded' : 'Something went wrong'}
        </Title>
        {chunk ? (
          <Text c="dimmed">The connection dropped, or Sidekey was updated while this tab was open. Reload to get the current version.</Text>
        ) : (
          <>
            <Text c="dimmed">This page hit an unexpected error. Reloading usually helps; if it keeps happening, tell your administrator.</Text>
            <Code block>{message}</Code>
          </>
        )}
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
