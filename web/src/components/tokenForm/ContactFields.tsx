import { Select, Stack, TagsInput } from '@mantine/core';
import { useState } from 'react';
import { useAccountUsers } from '../../api/queries.js';
import { isEmail } from '../../lib/validation.js';
import type { TokenDraft } from './draft.js';
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
  const [emailProblem, setEmailProblem] = useState<string | undefined>();

  const setEmails = (values: string[]) => {
    const cleaned = values.map((v) => v.trim().toLowerCase()).filter(Boolean);
    const invalid = cleaned.filter((v) => !isEmail(v));
    setEmailProblem(invalid.length ? `Not a valid e-mail address: ${invalid.join(', ')}` : undefined);
    onChange({ developerEmails: [...new Set(cleaned.filter(isEmail))] });
  };

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
      <TagsInput
        label="Developer e-mails"
        description="Press Enter or type a comma after each address. They are told about changes to this token."
        placeholder={draft.developerEmails.length ? '' : 'dev@example.com'}
        value={draft.developerEmails}
        onChange={setEmails}
        splitChars={[',', ' ', ';']}
        maxTags={MAX_DEVELOPER_EMAILS}
        clearable
        clearButtonProps={{ 'aria-label': 'Remove all developer e-mails' }}
        error={emailProblem ?? sentence('Developer e-mails', errors.developerEmails)}
      />
    </Stack>
  );
}
