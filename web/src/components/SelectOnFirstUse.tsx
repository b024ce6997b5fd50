/**
 * A Select that is only its input until first used, for a page's first load: Mantine's Select brings its
 * combobox, popover, focus trap and scroll area (a fifth of the API page's code) and renders a store, a hidden
 * input and a dropdown for each instance. Until the user reaches it, this draws the same labelled input with the
 * chosen option's label and the same chevron or clear button; a press mounts the real Select opened and focused,
 * focus from the keyboard mounts it focused and closed, as a Select would be. Its code is fetched once the first
 * page is drawn.
 */
import { ComboboxChevron, Input, type SelectProps, TextInput } from '@mantine/core';
import { Suspense, useState } from 'react';
import { lazyAfterFirstPage } from '../lib/firstPage.js';

const Select = lazyAfterFirstPage(() => import('./LazySelect.js'));

interface Option {
  value: string;
  label: string;
}

export interface SelectOnFirstUseProps {
  label: string;
  placeholder: string;
  data: Option[];
  value: string | null;
  onChange: (value: string | null) => void;
  clearable?: boolean;
  clearButtonProps?: { 'aria-label': string };
  w?: SelectProps['w'];
}

type Use = 'none' | 'pressed' | 'focused';

export function SelectOnFirstUse(props: SelectOnFirstUseProps) {
  const { label, placeholder, data, value, onChange, clearable, clearButtonProps, w } = props;
  const [use, setUse] = useState<Use>('none');

  const chosen = data.find((option) => option.value === value);
  const clear = clearable && chosen !== undefined;
  const standIn = (
    <TextInput
      label={label}
      placeholder={placeholder}
      value={chosen?.label ?? ''}
      readOnly
      pointer
      w={w}
      role="combobox"
      aria-haspopup="listbox"
      aria-expanded={false}
      onMouseDown={(event) => {
        event.preventDefault();
        setUse('pressed');
      }}
      onFocus={() => setUse((current) => (current === 'none' ? 'focused' : current))}
      rightSection={
        clear ? (
          <Input.ClearButton
            {...clearButtonProps}
            tabIndex={-1}
            aria-hidden
            onMouseDown={(event) => event.preventDefault()}
            onClick={(event) => {
              event.stopPropagation();
              onChange(null);
            }}
          />
        ) : (
          <ComboboxChevron />
        )
      }
      rightSectionPointerEvents={clear ? 'all' : 'none'}
    />
  );
  if (use === 'none') return standIn;
  return (
    <Suspense fallback={standIn}>
      <Select
        label={label}
        placeholder={placeholder}
        data={data}
        value={value}
        onChange={(next) => onChange(next === null ? null : String(next))}
        clearable={clearable}
        clearButtonProps={clearButtonProps}
        w={w}
        defaultDropdownOpened={use === 'pressed'}
        ref={focusOnMount}
      />
    </Suspense>
  );
}

/** The real Select's input takes the focus as it mounts: the stand-in the user reached is gone. */
const focusOnMount = (input: HTMLInputElement | null) => input?.focus({ preventScroll: true });
