// Styles of a Mantine component that only code loaded on demand renders travel with that code (see mantine.css).
import '@mantine/core/styles/Pill.css';
import '@mantine/core/styles/PillsInput.css';
import { TagsInput, type TagsInputProps } from '@mantine/core';
import { useRef, useState } from 'react';

interface ValidatedTagsInputProps extends Omit<TagsInputProps, 'value' | 'onChange' | 'searchValue' | 'onSearchChange' | 'error'> {
  value: string[];
  onChange: (values: string[]) => void;
  /** Tidies a typed entry (trim, lower-case) before it is checked. */
  normalize: (entry: string) => string;
  isValid: (entry: string) => boolean;
  /** Why the entries were refused, e.g. "Not a valid e-mail address: x". */
  invalidMessage: (entries: string[]) => string;
  /** The server's verdict on the field, shown when there is no typing problem. */
  error?: string;
}

/**
 * A tags input that never throws away what the user typed: an entry that is not valid stays in the input,
 * with the reason under it, until it is fixed or deleted. Only valid, distinct entries become tags.
 */
export function ValidatedTagsInput({ value, onChange, normalize, isValid, invalidMessage, error, ...props }: ValidatedTagsInputProps) {
  const [search, setSearch] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  // The input clears itself after a tag is accepted; a refused entry must be put back instead.
  const refused = useRef<string | null>(null);

  const change = (values: string[]) => {
    const cleaned = values.map(normalize).filter(Boolean);
    const invalid = cleaned.filter((v) => !isValid(v));
    setProblem(invalid.length ? invalidMessage(invalid) : undefined);
    refused.current = invalid.length ? invalid.join(', ') : null;
    if (refused.current !== null) setSearch(refused.current);
    onChange([...new Set(cleaned.filter(isValid))]);
  };

  const changeSearch = (next: string) => {
    if (next === '' && refused.current !== null) {
      setSearch(refused.current);
      refused.current = null;
      return;
    }
    refused.current = null;
    setSearch(next);
    // Editing the refused text: the old reason no longer describes it.
    if (problem) setProblem(undefined);
  };

  return <TagsInput {...props} value={value} onChange={change} searchValue={search} onSearchChange={changeSearch} error={problem ?? error} />;
}
