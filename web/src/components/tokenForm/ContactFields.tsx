import { Select, Stack } from '@mantine/core';
import { useAccountUsers } from '../../api/queries.js';
import { isEmail } from '../../lib/validation.js';
import type { TokenDraft } from './draft.js';
import { ValidatedTagsInput } from './ValidatedTagsInput.js';
import { sentence, type FieldErrors } from '../../lib/fieldErrors.js';

interface ContactFieldsProps {
  accountId: string;
  draft: Pick<TokenDraft, 'primaryContactUserId' | 'developerEmails'>;
  onChange: (changes: Partial<TokenDraft>) => void;
  errors: FieldErrors;
}

const MAX_DEVELOPER_EMAILS = 20;

/** Who answers for the token: a primary contact from the account's users and the developers' e-mail addresses. */
export function ContactFields({ accountId, draft, onChange, errors }: ContactFieldsProps) {
  const users = useAccountUsers(accountId);

  return (
    <Stack gap="md">
      <Select
        label="Primary Contact"
        description="The person responsible for this token, reachable if something goes wrong."
        placeholder={users.isPending ? 'Loading users…' : 'Choose a user'}
        data={(users.data ?? []).map((u) => ({ value: u.id, label: u.name ? `${u.name} (${u.email})` : u.email }))}
        value={draft.primaryContactUserId}
        onChange={(value) => onChange({ primaryContactUserId: value })}
        searchable
        clearable
        clearButtonProps={{ 'aria-label': 'Remove the primary contact' }}
        nothingFoundMessage="No user matches"
        error={sentence('Primary Contact', errors.primaryContactUserId) ?? (users.isError ? 'Could not load the account’s users.' : undefined)}
      />
      {/* Recorded contacts only: nothing is sent to these addresses, so the form must not promise it. */}
      <ValidatedTagsInput
        label="Developer e-mails"
        description="The developers to ask about this token, kept with it as contacts. Press Enter or type a comma after each address."
        placeholder={draft.developerEmails.length ? '' : 'Add an address, e.g. dev@example.com'}
        value={draft.developerEmails}
        onChange={(developerEmails) => onChange({ developerEmails })}
        normalize={(v) => v.trim().toLowerCase()}
        isValid={isEmail}
        invalidMessage={(invalid) => `Not a valid e-mail address: ${invalid.join(', ')}. Correct it, or delete it.`}
        splitChars={[',', ' ', ';']}
        maxTags={MAX_DEVELOPER_EMAILS}
        clearable
        clearButtonProps={{ 'aria-label': 'Remove all developer e-mails' }}
        error={sentence('Developer e-mails', errors.developerEmails)}
      />
    </Stack>
  );
}
