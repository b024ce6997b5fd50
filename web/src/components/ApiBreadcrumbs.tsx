import { Anchor, Breadcrumbs, Text } from '@mantine/core';
import { Link } from 'react-router';
import { routes } from '../lib/routes.js';

/**
 * Where an API page sits, the same on all of them: Settings / Technical / API, then the page itself (the
 * wizard, a token). Without `current` the API page is the current one.
 */
export function ApiBreadcrumbs({ accountId, current }: { accountId: string; current?: string }) {
  return (
    <Breadcrumbs aria-label="Breadcrumb" styles={{ root: { flexWrap: 'wrap', rowGap: 4 } }}>
      <Anchor component={Link} to={routes.settings(accountId)} size="sm">
        Settings
      </Anchor>
      <Text size="sm" c="dimmed">
        Technical
      </Text>
      {current === undefined ? (
        <Text size="sm" aria-current="page">
          API
        </Text>
      ) : (
        <Anchor component={Link} to={routes.apiPage(accountId)} size="sm">
          API
        </Anchor>
      )}
      {current !== undefined && (
        <Text size="sm" aria-current="page" truncate maw={320}>
          {current}
        </Text>
      )}
    </Breadcrumbs>
  );
}
