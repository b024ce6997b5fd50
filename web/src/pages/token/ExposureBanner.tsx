/**
 * The token's exposures to leak reports (docs/leak-reports.md): where its secret was found, when, and what Sidekey
 * did. Shown on every section of the token's page, above the sections, while any exposure is recorded.
 */
import { Alert, Anchor, List, Text } from '@mantine/core';
import type { ExposureDto } from '../../../../src/http/management/schemas.js';
import { useTokenExposures } from '../../api/exposures.js';
import { AlertIcon } from '../../components/icons.js';
import { formatDateTime } from '../../lib/format.js';

const ACTIONS: Record<ExposureDto['action'], string> = {
  disabled: 'Sidekey disabled the token',
  already_disabled: 'the token was already disabled',
  canary_kept: 'the canary stays armed: any use of it still raises an alert',
};

const REPORTERS: Record<string, string> = { github: 'GitHub secret scanning' };

/** GitHub's source names (commit, issue_comment, pull_request_body…) as words, with their article. */
function sourcePhrase(source: string): string {
  const words = source.replace(/_/g, ' ').trim() || 'unknown place';
  return `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words}`;
}

/** Only web addresses become links: a report's URL is data from outside, never a script to run. */
const isWebUrl = (url: string) => /^https?:\/\//i.test(url);

export function ExposureBanner({ accountId, tokenId }: { accountId: string; tokenId: string }) {
  const exposures = useTokenExposures(accountId, tokenId);
  if (!exposures.data || exposures.data.length === 0) return null;
  return (
    <Alert color="red" variant="light" icon={<AlertIcon />} title="This token's Auth Token was found in public" role="alert">
      <List size="sm" spacing={4} mb="xs">
        {exposures.data.map((e) => (
          <List.Item key={e.id}>
            {formatDateTime(e.reportedAt)}: {REPORTERS[e.reporter] ?? e.reporter} found it in {sourcePhrase(e.source)}
            {e.url ? (
              <>
                {' at '}
                {isWebUrl(e.url) ? (
                  <Anchor href={e.url} target="_blank" rel="noopener noreferrer" fz="inherit" underline="always" style={{ overflowWrap: 'anywhere' }}>
                    {e.url}
                  </Anchor>
                ) : (
                  <Text span fz="inherit" style={{ overflowWrap: 'anywhere' }}>
                    {e.url}
                  </Text>
                )}
              </>
            ) : null}
            ; {ACTIONS[e.action]}.
          </List.Item>
        ))}
      </List>
      <Text size="sm">Anyone may have copied it. Reset the token before you enable it again, and remove the secret from where it was published.</Text>
    </Alert>
  );
}
