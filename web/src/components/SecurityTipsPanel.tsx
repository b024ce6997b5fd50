import { List, Paper, Text, ThemeIcon, Title, Group } from '@mantine/core';
import { ShieldIcon } from './icons.js';

// The product's own guidance ("Keep your access tokens secure" and "Scoped tokens: best practices"), condensed.
const TIPS = [
  'Grant only the scopes an integration needs; use GET-only scopes for integrations that just read.',
  'Suspect a leak? Reset the token at once: the old Auth Token stops working immediately. Then update your integrations.',
  'When you re-enable a disabled token, reset it too, so a value leaked in the meantime is useless.',
  'Disable or delete tokens you no longer use; the effect is immediate.',
  'Never put credentials in client-side code, repositories or chat; keep them in a secrets manager, shared only with people who need them.',
  'Rotate tokens on a schedule, and keep each token’s primary contact and developer e-mails current.',
];

export function SecurityTipsPanel() {
  return (
    <Paper withBorder p="lg" component="aside" aria-labelledby="security-tips-title" bg="white">
      <Group gap="sm" mb="sm" wrap="nowrap">
        <ThemeIcon variant="light" radius="xl" size={32} aria-hidden="true">
          <ShieldIcon size={18} />
        </ThemeIcon>
        <Title order={2} size="h5" id="security-tips-title">
          Keep your access tokens secure
        </Title>
      </Group>
      <List spacing="xs" size="sm">
        {TIPS.map((tip) => (
          <List.Item key={tip}>
            <Text size="sm" c="gray.7" component="span">
              {tip}
            </Text>
          </List.Item>
        ))}
      </List>
    </Paper>
  );
}
