import { Box, Button, Center, EmptyState, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { useIntersection } from '@mantine/hooks';
import { useDeferredValue, useEffect, useState } from 'react';
import type { ExposureDto, TokenDto } from '../../../../src/http/management/schemas.js';
import { Link } from 'react-router';
import { useExposedTokens } from '../../api/exposures.js';
import { type TokenFilters, useCatalog, useTokenList } from '../../api/queries.js';
import { LoadError, SectionLoader } from '../../components/Feedback.js';
import { InboxIcon, PlusIcon, SearchIcon } from '../../components/icons.js';
import { pluralize } from '../../lib/format.js';
import { routes } from '../../lib/routes.js';
import { latestVersion } from '../../lib/scopes.js';
import { TokenCard } from './TokenCard.js';

interface TokenListProps {
  accountId: string;
  filters: TokenFilters;
  filtered: boolean;
  onClearFilters: () => void;
}

/**
 * Cards page in as the user scrolls (the sentinel below the grid asks for the next page once it comes into
 * view); the "Load more" button does the same for keyboards and for browsers without IntersectionObserver.
 */
export function TokenList({ accountId, filters, filtered, onClearFilters }: TokenListProps) {
  const list = useTokenList(accountId, filters);
  const catalog = useCatalog();
  const exposed = useExposedTokens(accountId);
  const latest = catalog.data ? latestVersion(catalog.data) : undefined;
  const { ref: sentinel, entry } = useIntersection({ rootMargin: '600px' });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  // Cards fetched while the page waits are drawn in the background (see TokenGrid); cards already in the cache,
  // as on Back, are drawn at once so that the scroll position the user left can be restored.
  const [fetchedOnOpen] = useState(list.isPending);

  useEffect(() => {
    if (entry?.isIntersecting && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [entry?.isIntersecting, hasNextPage, isFetchingNextPage, fetchNextPage]);

  if (list.isPending) {
    // A screen's height, as the cards will take: the security tips below the list on a phone stay below the fold
    // instead of jumping down when the cards arrive.
    return (
      <Box mih="100vh">
        <SectionLoader label="Loading access tokens" />
      </Box>
    );
  }
  if (list.isError) return <LoadError error={list.error} onRetry={() => void list.refetch()} />;

  const tokens = list.data;
  if (tokens.length === 0) {
    return filtered ? (
      <EmptyState
        icon={<SearchIcon size={28} />}
        withIndicatorBackground
        title="No tokens match these filters"
        description="Try another part of the name, a wider date range or any state."
        py="xl"
      >
        <EmptyState.Actions>
          <Button variant="default" onClick={onClearFilters}>
            Clear All
          </Button>
        </EmptyState.Actions>
      </EmptyState>
    ) : (
      <EmptyState
        icon={<InboxIcon size={28} />}
        withIndicatorBackground
        title="No access tokens yet"
        description="Create a token for each integration, with only the scopes it needs."
        py="xl"
      >
        <EmptyState.Actions>
          <Button component={Link} to={routes.createToken(accountId)} leftSection={<PlusIcon size={16} />}>
            Create Access Token
          </Button>
        </EmptyState.Actions>
      </EmptyState>
    );
  }

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed" role="status" aria-live="polite">
          {hasNextPage ? `Showing the ${pluralize(tokens.length, 'newest token')}` : `${pluralize(tokens.length, 'token')}`}
          {filtered ? ' matching the filters' : ''}
          {list.isFetching && !isFetchingNextPage ? ' · updating…' : ''}
        </Text>
      </Group>
      <TokenGrid tokens={tokens} latestVersion={latest} exposures={exposed.data} busy={list.isFetching} deferred={fetchedOnOpen} sentinel={sentinel} />
      {hasNextPage && (
        <Center>
          <Button variant="default" onClick={() => void fetchNextPage()} loading={isFetchingNextPage}>
            Load more
          </Button>
        </Center>
      )}
    </Stack>
  );
}

/** Cards a phone's first screen holds, drawn with the page; the rest follow in the background. */
const FIRST_SCREEN_CARDS = 4;

/**
 * The cards. A page of fifty cards is a few hundred Mantine components: drawn in the render that receives the
 * list, they block the main thread for as long. When `deferred`, the first screen's cards are drawn at once
 * and the rest in a deferred render, which React interrupts every few milliseconds for input and paint.
 * The `sentinel` that asks for the next page follows the cards only once all of them are drawn: below four
 * cards it would be in view at once, and ask for page after page while the rest are still being drawn.
 */
function TokenGrid({
  tokens,
  latestVersion,
  exposures,
  busy,
  deferred,
  sentinel,
}: { tokens: TokenDto[]; latestVersion: number | undefined; exposures: ReadonlyMap<string, ExposureDto> | undefined; busy: boolean; deferred: boolean; sentinel: (element: HTMLDivElement | null) => void }) {
  const [firstScreen] = useState(() => tokens.slice(0, FIRST_SCREEN_CARDS));
  const shown = useDeferredValue(tokens, deferred ? firstScreen : tokens);
  const drawn = shown === tokens;
  return (
    <>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md" aria-busy={busy || !drawn}>
        {shown.map((token) => (
          <TokenCard key={token.id} token={token} latestVersion={latestVersion} exposure={exposures?.get(token.id)} />
        ))}
      </SimpleGrid>
      {drawn && <div ref={sentinel} />}
    </>
  );
}
