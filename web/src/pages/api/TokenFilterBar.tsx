import { Button, Group, Paper, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useRef, useState } from 'react';
import { SearchIcon } from '../../components/icons.js';
import { SelectOnFirstUse } from '../../components/SelectOnFirstUse.js';
import { CREATED_ON_OPTIONS, STATE_OPTIONS, type useTokenFilters } from './useTokenFilters.js';

type FilterState = ReturnType<typeof useTokenFilters>;

/** Search by Name (debounced while typing), Created On, State and Clear All, all written to the URL. */
export function TokenFilterBar({ filters, setFilter, clearAll, active }: FilterState) {
  const [text, setText] = useState(filters.name ?? '');
  const [debounced] = useDebouncedValue(text, 300);
  // The name this bar last wrote to the URL: its echo must not overwrite what the user has typed since.
  const written = useRef(filters.name ?? '');

  // biome-ignore lint/correctness/useExhaustiveDependencies: only a settled change of the typed text writes the URL (not every change of the URL itself).
  useEffect(() => {
    const next = debounced.trim();
    if (next === (filters.name ?? '')) return;
    written.current = next;
    setFilter('name', next);
  }, [debounced]);

  useEffect(() => {
    // The URL changed from elsewhere (Clear All, Back, a shared link): show what it says.
    const fromUrl = filters.name ?? '';
    if (fromUrl === written.current) return;
    written.current = fromUrl;
    setText(fromUrl);
  }, [filters.name]);

  return (
    <Paper withBorder p="md" bg="white" role="search" aria-label="Filter access tokens">
      <Group align="flex-end" gap="md" wrap="wrap">
        <TextInput
          label="Search by Name"
          placeholder="Any part of a name"
          leftSection={<SearchIcon size={16} />}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          style={{ flex: '1 1 240px' }}
          type="search"
        />
        <SelectOnFirstUse
          label="Created On"
          placeholder="Any time"
          data={CREATED_ON_OPTIONS.map((o) => ({ ...o }))}
          value={filters.createdOn ?? null}
          onChange={(value) => setFilter('createdOn', value)}
          clearable
          clearButtonProps={{ 'aria-label': 'Clear the Created On filter' }}
          w={230}
        />
        <SelectOnFirstUse
          label="State"
          placeholder="Any state"
          data={STATE_OPTIONS.map((o) => ({ ...o }))}
          value={filters.state ?? null}
          onChange={(value) => setFilter('state', value)}
          clearable
          clearButtonProps={{ 'aria-label': 'Clear the State filter' }}
          w={160}
        />
        <Button
          variant="subtle"
          onClick={() => {
            setText('');
            clearAll();
          }}
          disabled={!active && !text}
        >
          Clear All
        </Button>
      </Group>
    </Paper>
  );
}
