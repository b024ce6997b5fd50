import { Select, Stack, Textarea, TextInput } from '@mantine/core';
import type { CatalogDto } from '../../../../src/http/management/schemas.js';
import type { TokenDraft } from './draft.js';
import { sentence, type FieldErrors } from '../../lib/fieldErrors.js';

interface SetupFieldsProps {
  draft: Pick<TokenDraft, 'name' | 'description' | 'apiVersion'>;
  onChange: (changes: Partial<TokenDraft>) => void;
  errors: FieldErrors;
  /** The create wizard picks a version; an existing token only moves forward through Upgrade Version. */
  versions?: CatalogDto['versions'];
}

export function SetupFields({ draft, onChange, errors, versions }: SetupFieldsProps) {
  return (
    <Stack gap="md">
      <TextInput
        label="Token Name"
        description="Say what uses it, e.g. “Warehouse sync (production)”."
        required
        maxLength={100}
        value={draft.name}
        onChange={(e) => onChange({ name: e.currentTarget.value })}
        error={sentence('Token Name', errors.name)}
      />
      <Textarea
        label="Description"
        description="What the integration does and who runs it, so others can judge the token later."
        rows={3}
        classNames={{ input: 'grows-with-text' }}
        maxLength={1000}
        value={draft.description}
        onChange={(e) => onChange({ description: e.currentTarget.value })}
        error={sentence('Description', errors.description)}
      />
      {versions && (
        <Select
          label="API Version"
          description="Match the version your integration was built against. Tokens can be upgraded later, never downgraded."
          data={[...versions]
            .sort((a, b) => b.version - a.version)
            .map((v) => ({ value: String(v.version), label: `Version ${v.version}${v.latest ? ' (latest)' : ''} · released ${v.releasedOn}` }))}
          value={String(draft.apiVersion)}
          onChange={(value) => value && onChange({ apiVersion: Number(value) })}
          allowDeselect={false}
          error={sentence('API Version', errors.apiVersion)}
        />
      )}
    </Stack>
  );
}
