// The date picker's and the number input's styles load with the only form that has them, not with every page.
import '@mantine/core/styles/NumberInput.css';
import '@mantine/dates/styles.css';
import { Group, NumberInput, Select, Stack, Switch, Text } from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import dayjs from 'dayjs';
import { looksLikeCidr } from '../../lib/validation.js';
import { DEFAULT_RATE_LIMIT, type TokenDraft } from './draft.js';
import { ValidatedTagsInput } from './ValidatedTagsInput.js';
import { sentence, type FieldErrors } from '../../lib/fieldErrors.js';

interface RestrictionsFieldsProps {
  draft: Pick<TokenDraft, 'expiresOn' | 'allowedCidrs' | 'rateLimit'>;
  onChange: (changes: Partial<TokenDraft>) => void;
  errors: FieldErrors;
}

const WINDOWS = [
  { value: '60', label: 'per minute' },
  { value: '3600', label: 'per hour' },
  { value: '86400', label: 'per day' },
];

/** Optional limits on where, until when and how often the token works. */
export function RestrictionsFields({ draft, onChange, errors }: RestrictionsFieldsProps) {
  const windowOptions = draft.rateLimit && !WINDOWS.some((w) => w.value === String(draft.rateLimit?.windowSeconds))
    ? [...WINDOWS, { value: String(draft.rateLimit.windowSeconds), label: `per ${draft.rateLimit.windowSeconds} seconds` }]
    : WINDOWS;

  return (
    <Stack gap="md">
      <DatePickerInput
        label="Expires on"
        description="Optional. The token stops working at the end of this day (your time zone)."
        placeholder="Never expires"
        value={draft.expiresOn}
        onChange={(value) => onChange({ expiresOn: value })}
        minDate={dayjs().add(1, 'day').format('YYYY-MM-DD')}
        clearable
        clearButtonProps={{ 'aria-label': 'Remove the expiry date' }}
        error={sentence('Expiry', errors.expiresAt)}
        maw={320}
      />
      <ValidatedTagsInput
        label="IP allowlist"
        description="Optional. Requests are accepted only from these addresses or CIDR ranges, IPv4 or IPv6 (for example 203.0.113.0/24). Leave empty to allow any."
        placeholder={draft.allowedCidrs.length ? '' : 'Any address (type one to restrict)'}
        value={draft.allowedCidrs}
        onChange={(allowedCidrs) => onChange({ allowedCidrs })}
        normalize={(v) => v.trim()}
        isValid={looksLikeCidr}
        invalidMessage={(invalid) => `Not an IP address or CIDR range: ${invalid.join(', ')}. Correct it, or delete it.`}
        splitChars={[',', ' ', ';']}
        clearable
        clearButtonProps={{ 'aria-label': 'Remove all allowed addresses' }}
        error={sentence('IP allowlist', errors.allowedCidrs)}
      />
      <Stack gap="xs">
        <Switch
          label="Limit the request rate"
          description="Optional. Above the limit, requests are refused with 429 until the window resets."
          checked={draft.rateLimit !== null}
          onChange={(e) => onChange({ rateLimit: e.currentTarget.checked ? DEFAULT_RATE_LIMIT : null })}
        />
        {draft.rateLimit && (
          <Group gap="sm" align="flex-start" pl={{ base: 0, sm: 'xl' }}>
            <NumberInput
              label="Requests"
              min={1}
              max={10_000_000}
              step={100}
              thousandSeparator=","
              allowDecimal={false}
              allowNegative={false}
              value={draft.rateLimit.limit}
              onChange={(limit) => onChange({ rateLimit: { ...DEFAULT_RATE_LIMIT, ...draft.rateLimit, limit } })}
              error={sentence('Requests', errors['rateLimit.limit'])}
              w={180}
            />
            <Select
              label="Window"
              data={windowOptions}
              value={String(draft.rateLimit.windowSeconds)}
              onChange={(value) => value && onChange({ rateLimit: { ...DEFAULT_RATE_LIMIT, ...draft.rateLimit, windowSeconds: Number(value) } })}
              allowDeselect={false}
              error={sentence('Window', errors['rateLimit.windowSeconds'])}
              w={160}
            />
          </Group>
        )}
        {errors.rateLimit && (
          <Text c="red" size="sm">
            {errors.rateLimit}
          </Text>
        )}
      </Stack>
    </Stack>
  );
}
