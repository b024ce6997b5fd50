/**
 * Choosing scopes the way the product does: one row per API category with a toggle that selects the whole
 * category, and under it a checkbox per endpoint showing its name, HTTP method and path. A search box narrows
 * every category at once; Clear All empties the selection.
 */
// Styles of a Mantine component that only code loaded on demand renders travel with that code (see mantine.css).
import '@mantine/core/styles/CheckboxIndicator.css';
import '@mantine/core/styles/Checkbox.css';
import { Badge, Button, Checkbox, Group, Paper, Stack, Switch, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { CatalogDto } from '../../../../src/http/management/schemas.js';
import { pluralize } from '../../lib/format.js';
import { categoriesInVersion, scopeMatches, type CatalogCategory } from '../../lib/scopes.js';
import { MethodBadge } from '../badges.js';
import { SearchIcon } from '../icons.js';

interface ScopePickerProps {
  catalog: CatalogDto;
  version: number;
  selected: readonly string[];
  onChange: (scopes: string[]) => void;
  error?: string;
}

export function ScopePicker({ catalog, version, selected, onChange, error }: ScopePickerProps) {
  const [query, setQuery] = useState('');
  const categories = useMemo(() => categoriesInVersion(catalog, version), [catalog, version]);
  const selectedSet = useMemo(() => new Set(selected), [selected]);
  const searching = query.trim().length > 0;
  const visible = useMemo(
    () =>
      categories
        .map((category) => ({ category, scopes: category.scopes.filter((s) => category.name.toLowerCase().includes(query.trim().toLowerCase()) || scopeMatches(s, query)) }))
        .filter((entry) => entry.scopes.length > 0),
    [categories, query],
  );

  const setScopes = (ids: string[], on: boolean) => {
    const next = new Set(selectedSet);
    for (const id of ids) (on ? next.add(id) : next.delete(id));
    onChange([...next]);
  };

  return (
    <Stack gap="sm">
      <Group align="flex-end" justify="space-between" wrap="wrap">
        <TextInput
          label="Search scopes"
          placeholder="Name, path or method, e.g. “actions” or DELETE"
          leftSection={<SearchIcon size={16} />}
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          type="search"
          style={{ flex: '1 1 280px' }}
        />
        <Group gap="sm">
          <Text size="sm" c="dimmed" role="status" aria-live="polite">
            {pluralize(selected.length, 'scope')} selected
          </Text>
          <Button variant="subtle" onClick={() => onChange([])} disabled={selected.length === 0}>
            Clear All
          </Button>
        </Group>
      </Group>
      {error && (
        <Text c="red" size="sm" role="alert">
          {error}
        </Text>
      )}
      <Stack gap="xs" role="group" aria-label="API scopes by category">
        {visible.length === 0 && (
          <Text c="dimmed" size="sm" py="md" ta="center">
            No scope matches “{query.trim()}”.
          </Text>
        )}
        {visible.map(({ category, scopes }) => (
          <CategoryScopes
            key={category.name}
            category={category}
            visibleScopes={scopes}
            selected={selectedSet}
            forceOpen={searching}
            onToggle={setScopes}
          />
        ))}
      </Stack>
    </Stack>
  );
}

interface CategoryScopesProps {
  category: CatalogCategory;
  visibleScopes: CatalogCategory['scopes'];
  selected: ReadonlySet<string>;
  forceOpen: boolean;
  onToggle: (ids: string[], on: boolean) => void;
}

function CategoryScopes({ category, visibleScopes, selected, forceOpen, onToggle }: CategoryScopesProps) {
  const [open, setOpen] = useState(false);
  const ids = category.scopes.map((s) => s.id);
  const chosen = ids.filter((id) => selected.has(id)).length;
  const all = chosen === ids.length;
  const expanded = open || forceOpen;
  const panelId = `scopes-${category.name.replace(/\W+/g, '-')}`;

  return (
    <Paper withBorder p="sm" bg={chosen > 0 ? 'brand.0' : 'white'}>
      <Group justify="space-between" wrap="nowrap">
        <Group gap="sm" wrap="nowrap">
          <Switch
            checked={all}
            onChange={(e) => onToggle(ids, e.currentTarget.checked)}
            aria-label={`Select all ${category.name} scopes`}
          />
          <UnstyledButton onClick={() => setOpen((o) => !o)} aria-expanded={expanded} aria-controls={panelId}>
            <Group gap="xs" wrap="nowrap">
              <Text fw={600} size="sm">
                {category.name}
              </Text>
              <Text size="xs" c="dimmed" aria-hidden="true">
                {expanded ? '▾' : '▸'}
              </Text>
            </Group>
          </UnstyledButton>
        </Group>
        <Badge variant={chosen > 0 ? 'filled' : 'light'} color={chosen > 0 ? 'brand' : 'gray'}>
          {chosen} of {ids.length}
        </Badge>
      </Group>
      {expanded && (
        <Stack gap={6} mt="sm" pl={{ base: 0, sm: 'xl' }} id={panelId}>
          {visibleScopes.map((scope) => (
            <Checkbox
              key={scope.id}
              checked={selected.has(scope.id)}
              onChange={(e) => onToggle([scope.id], e.currentTarget.checked)}
              aria-label={`${scope.name} (${scope.method} ${scope.path})`}
              label={
                <Group gap="xs" wrap="nowrap" component="span">
                  <MethodBadge method={scope.method} />
                  <Text size="sm" component="span">
                    {scope.name}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace" component="span" visibleFrom="sm" truncate>
                    {scope.path}
                  </Text>
                </Group>
              }
            />
          ))}
        </Stack>
      )}
    </Paper>
  );
}
