/** One token: header with its state and [More] menu, the product's left navigation, and the chosen section. */
import { Alert, Grid, Group, NavLink, Paper, Stack, Title } from '@mantine/core';
import { NavLink as RouterNavLink, Outlet, useLocation, useNavigate, useOutletContext, useParams } from 'react-router';
import type { TokenDto } from '../../../../src/http/management/schemas.js';
import { isApiError } from '../../api/client.js';
import { useCatalog, useToken } from '../../api/queries.js';
import { useCurrentAccount } from '../../auth/account.js';
import { CanaryBadge, StateBadge, VersionBadge } from '../../components/badges.js';
import { ApiBreadcrumbs } from '../../components/ApiBreadcrumbs.js';
import { LoadError, NotFoundPanel, SectionLoader } from '../../components/Feedback.js';
import { AlertIcon } from '../../components/icons.js';
import { TokenMoreMenu } from '../../components/tokenActions/TokenMoreMenu.js';
import { formatDateTime } from '../../lib/format.js';
import { routes, type TokenSection } from '../../lib/routes.js';
import { latestVersion } from '../../lib/scopes.js';
import { tokenTitle } from '../../lib/tokenLabels.js';
import { ExposureBanner } from './ExposureBanner.js';

/** Sections read the loaded token from the layout instead of each fetching it again. */
export function useTokenOfPage(): TokenDto {
  return useOutletContext<TokenDto>();
}

const SECTIONS: { section: TokenSection; label: string }[] = [
  { section: 'overview', label: 'Overview' },
  { section: 'credentials', label: 'API Credentials' },
  { section: 'scopes', label: 'API Scopes' },
  { section: 'activity', label: 'Activity' },
];

export default function TokenLayout() {
  const { account } = useCurrentAccount();
  const { tokenId = '' } = useParams();
  const token = useToken(account.id, tokenId);
  const catalog = useCatalog();
  const navigate = useNavigate();
  const { pathname } = useLocation();

  if (token.isPending) return <SectionLoader label="Loading the token" />;
  if (token.isError) {
    return isApiError(token.error) && token.error.status === 404 ? (
      <NotFoundPanel title="Token not found" message="It may have been deleted. Go back to the API page to see the account's tokens." />
    ) : (
      <LoadError error={token.error} onRetry={() => void token.refetch()} />
    );
  }

  const data = token.data;
  const title = tokenTitle(data);
  return (
    <Stack gap="lg">
      <ApiBreadcrumbs accountId={account.id} current={title} />
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Stack gap={6} style={{ minWidth: 0 }}>
          <Title order={1} style={{ overflowWrap: 'anywhere' }}>
            {title}
          </Title>
          <Group gap={6}>
            {data.kind === 'canary' && <CanaryBadge />}
            <StateBadge state={data.state} />
            {data.kind !== 'canary' && <VersionBadge version={data.apiVersion} latest={catalog.data ? latestVersion(catalog.data) : undefined} />}
          </Group>
        </Stack>
        <TokenMoreMenu token={data} onDeleted={() => navigate(routes.apiPage(account.id), { replace: true })} />
      </Group>
      <ExposureBanner accountId={account.id} tokenId={data.id} />
      <TokenStatusAlerts token={data} />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 3 }}>
          <Paper withBorder p={6} bg="white" component="nav" aria-label="Token sections" className="token-sections">
            {SECTIONS.filter(({ section }) => data.kind !== 'canary' || section !== 'scopes').map(({ section, label }) => (
              <NavLink
                key={section}
                component={RouterNavLink}
                to={routes.token(account.id, data.id, section)}
                label={label}
                active={pathname.endsWith(`/${section}`)}
              />
            ))}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 9 }}>
          <Outlet context={data} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function TokenStatusAlerts({ token }: { token: TokenDto }) {
  const now = Date.now();
  const graceUntil = token.graceExpiresAt && Date.parse(token.graceExpiresAt) > now ? token.graceExpiresAt : null;
  const expired = token.expiresAt !== null && Date.parse(token.expiresAt) <= now;
  return (
    <>
      {token.kind === 'canary' && (
        <Alert color="grape" variant="light" icon={<AlertIcon />} title="This is a canary token">
          {token.state === 'enabled'
            ? 'It never works. Any use is refused like a wrong credential and alerts the contacts (token.canary_used, at most once a minute), with the caller’s address, the path and the user agent. Disable it to silence the alerts.'
            : 'It never works, and while it is disabled its use alerts nobody. Enable it to be alerted again.'}
        </Alert>
      )}
      {token.state === 'disabled' && token.kind !== 'canary' && (
        <Alert color="gray" variant="light" icon={<AlertIcon />} title="This token is disabled">
          Requests with it are refused. If you enable it again, reset it too, in case it leaked meanwhile.
        </Alert>
      )}
      {expired && token.expiresAt && (
        <Alert color="red" variant="light" icon={<AlertIcon />} title="This token has expired">
          It stopped working on {formatDateTime(token.expiresAt)}. Set a later expiry date on the Overview page to use it again.
        </Alert>
      )}
      {graceUntil && (
        <Alert color="yellow" variant="light" icon={<AlertIcon />} title="The previous Auth Token still works">
          After the last reset, the old Auth Token keeps working until {formatDateTime(graceUntil)}. Update your integrations before then.
        </Alert>
      )}
    </>
  );
}
