import { Alert, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import type { CatalogDto } from '../../../../src/http/management/schemas.js';
import { pluralize } from '../../lib/format.js';
import { categoriesInVersion, isWriteMethod, measureBreadth } from '../../lib/scopes.js';
import { MethodBadge } from '../badges.js';
import { AlertIcon } from '../icons.js';

/** What a token will be able to do, by category, with every write and delete marked so they are not missed. */
export function ScopeReview({ catalog, version, scopes }: { catalog: CatalogDto; version: number; scopes: readonly string[] }) {
  const breadth = useMemo(() => measureBreadth(catalog, version, scopes), [catalog, version, scopes]);
  const groups = useMemo(() => {
    const chosen = new Set(scopes);
    return categoriesInVersion(catalog, version)
      .map((category) => ({ name: category.name, scopes: category.scopes.filter((s) => chosen.has(s.id)) }))
      .filter((group) => group.scopes.length > 0);
  }, [catalog, version, scopes]);

  if (scopes.length === 0) {
    return (
      <Alert color="red" variant="light" icon={<AlertIcon />}>
        No scopes are selected: the token could not call any endpoint.
      </Alert>
    );
  }

  return (
    <Stack gap="sm">
      <Text size="sm">
        This token can call <strong>{pluralize(breadth.selected, 'endpoint')}</strong> of {breadth.available} in API version {version}
        {breadth.writes > 0 ? (
          <>
            , <strong>{breadth.writes} of which change data</strong>
            {breadth.deletes > 0 ? <> (including {pluralize(breadth.deletes, 'delete')})</> : null}
          </>
        ) : (
          ', all of them read-only'
        )}
        .
      </Text>
      {breadth.broad && (
        <Alert color="orange" variant="light" icon={<AlertIcon />} title="This is a broad token">
          It grants {breadth.selected > breadth.available / 2 ? 'more than half of the API' : `write access in ${breadth.categoriesWithWrites} categories`}. If it
          leaked, much of the account would be exposed. Consider a separate token per integration with only the scopes each one needs.
        </Alert>
      )}
      {groups.map((group) => (
        <Paper key={group.name} withBorder p="sm" bg="white">
          <Title order={4} size="sm" mb={6}>
            {group.name}
          </Title>
          <Stack gap={4}>
            {group.scopes.map((scope) => (
              <Group
                key={scope.id}
                gap="xs"
                wrap="nowrap"
                px={6}
                py={2}
                bg={scope.method.toUpperCase() === 'DELETE' ? 'red.0' : isWriteMethod(scope.method) ? 'orange.0' : undefined}
                style={{ borderRadius: 'var(--mantine-radius-sm)' }}
              >
                <MethodBadge method={scope.method} />
                <Text size="sm">{scope.name}</Text>
                <Text size="xs" c="dimmed" ff="monospace" truncate visibleFrom="sm">
                  {scope.path}
                </Text>
              </Group>
            ))}
          </Stack>
        </Paper>
      ))}
    </Stack>
  );
}
