/** API Scopes: the endpoints a token may call, edited with the same picker as the wizard. */
import { Alert, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMemo, useState, type ReactNode } from 'react';
import type { CatalogDto, TokenDto } from '../../../../src/http/management/schemas.js';
import { useUpdateToken } from '../../api/mutations.js';
import { useCatalog } from '../../api/queries.js';
import { MethodBadge } from '../../components/badges.js';
import { LoadError, SectionLoader } from '../../components/Feedback.js';
import { AlertIcon } from '../../components/icons.js';
import { RejectedAlert } from '../../components/tokenForm/RejectedAlert.js';
import { ScopePicker } from '../../components/tokenForm/ScopePicker.js';
import { fieldErrorsOf } from '../../lib/fieldErrors.js';
import { pluralize } from '../../lib/format.js';
import { notifySuccess } from '../../lib/notify.js';
import { diffScopes, indexScopes, measureBreadth, type IndexedScope } from '../../lib/scopes.js';
import { useTokenOfPage } from './TokenLayout.js';
import { UpdateBar } from './UpdateBar.js';

export default function ScopesSection() {
  const token = useTokenOfPage();
  const catalog = useCatalog();
  if (token.kind !== 'scoped') return <LegacyAccess token={token} />;
  if (catalog.isPending) return <SectionLoader label="Loading the scope catalog" />;
  if (catalog.isError) return <LoadError error={catalog.error} onRetry={() => void catalog.refetch()} />;
  return <ScopesForm key={token.updatedAt} token={token} catalog={catalog.data} />;
}

function LegacyAccess({ token }: { token: TokenDto }) {
  return (
    <Paper withBorder p="xl" bg="white">
      <Title order={2} size="h3" mb="sm">
        API Scopes
      </Title>
      <Text>
        Legacy account tokens carry no scopes.{' '}
        {token.kind === 'legacy_rw' ? 'The Read/Write token may call every endpoint with every method.' : 'The Read-Only token may call every endpoint with GET.'}
      </Text>
      <Text c="dimmed" size="sm" mt="sm">
        To limit what an integration can do, create a scoped access token for it instead.
      </Text>
    </Paper>
  );
}

/** One line of the confirmation: "Added  GET  Actions: Retrieve action items". */
function ScopeChange({ change, id, scope }: { change: 'Added' | 'Removed'; id: string; scope: IndexedScope | undefined }) {
  return (
    <Group gap={6} wrap="nowrap" component="span">
      <Text span size="sm" fw={600} c={change === 'Added' ? 'teal.9' : 'red.9'} w={64}>
        {change}
      </Text>
      {scope && <MethodBadge method={scope.method} />}
      <Text span size="sm">
        {scope ? `${scope.category}: ${scope.name}` : id}
      </Text>
    </Group>
  );
}

function ScopesForm({ token, catalog }: { token: TokenDto; catalog: CatalogDto }) {
  const [scopes, setScopes] = useState<string[]>(token.scopes);
  const update = useUpdateToken(token.accountId);
  const index = useMemo(() => indexScopes(catalog), [catalog]);
  const { added, removed } = diffScopes(token.scopes, scopes);
  const breadth = measureBreadth(catalog, token.apiVersion, scopes);
  const changes: ReactNode[] = [
    ...added.map((id) => <ScopeChange key={`+${id}`} change="Added" id={id} scope={index.get(id)} />),
    ...removed.map((id) => <ScopeChange key={`-${id}`} change="Removed" id={id} scope={index.get(id)} />),
  ];

  return (
    <Paper withBorder p="xl" bg="white">
      <Stack gap="lg">
        <div>
          <Title order={2} size="h3">
            API Scopes
          </Title>
          <Text size="sm" c="dimmed">
            Endpoints of API version {token.apiVersion} this token may call. Any other request is refused with 403, naming the missing scope.
          </Text>
        </div>
        {breadth.broad && (
          <Alert color="orange" variant="light" icon={<AlertIcon />} title="This is a broad token">
            It can call {pluralize(breadth.selected, 'endpoint')} of {breadth.available}, {breadth.writes} of which change data. Grant only what the
            integration needs.
          </Alert>
        )}
        <ScopePicker catalog={catalog} version={token.apiVersion} selected={scopes} onChange={setScopes} error={fieldErrorsOf(update.error).scopes} />
        <RejectedAlert error={update.error} shownFields={['scopes']} />
        {scopes.length === 0 && (
          <Text size="sm" c="red.9">
            With no scopes, the token cannot call any endpoint.
          </Text>
        )}
        <UpdateBar
          dirty={added.length + removed.length > 0}
          saving={update.isPending}
          changes={changes}
          confirmTitle={`Update scopes: ${added.length} added, ${removed.length} removed?`}
          onDiscard={() => {
            setScopes(token.scopes);
            update.reset();
          }}
          onUpdate={(done) =>
            update.mutate(
              { tokenId: token.id, changes: { scopes } },
              { onSuccess: (next) => notifySuccess(`${next.name} now has ${pluralize(next.scopes.length, 'scope')}.`, 'Scopes updated'), onSettled: done },
            )
          }
        />
      </Stack>
    </Paper>
  );
}
