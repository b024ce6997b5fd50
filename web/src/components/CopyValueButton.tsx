import { ActionIcon, VisuallyHidden } from '@mantine/core';
import { Suspense, useEffect, useRef, useState } from 'react';
import { copyText } from '../lib/clipboard.js';
import { notifyError } from '../lib/notify.js';
import { lazyAfterFirstPage } from '../lib/firstPage.js';
import { CheckIcon, CopyIcon } from './icons.js';

/**
 * The "Copied" tooltip, which a list of cards shows only after a copy: its code (Mantine's Tooltip and floating-ui,
 * a sixth of the API page's first load) is fetched once the first page is drawn, not with the page.
 */
const Tooltip = lazyAfterFirstPage(() => import('./LazyTooltip.js'));

interface CopyValueButtonProps {
  /** What is copied, e.g. "Account SID"; names the button for screen readers. */
  label: string;
  /** The value, or a way to fetch it first (revealing an Auth Token is an audited request). */
  value: string | (() => Promise<string>);
  className?: string;
}

/** An icon button that copies a value and confirms with a visible (and announced) "Copied". */
export function CopyValueButton({ label, value, className }: CopyValueButtonProps) {
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const copy = async () => {
    setBusy(true);
    try {
      await copyText(typeof value === 'string' ? value : await value());
      setCopied(true);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setCopied(false), 2000);
    } catch (error) {
      notifyError(error, `Could not copy the ${label}`);
    } finally {
      setBusy(false);
    }
  };

  const button = (
    <ActionIcon
      variant={copied ? 'light' : 'subtle'}
      color={copied ? 'teal' : 'gray'}
      onClick={(event) => {
        // Inside a clickable token card, copying must not also open the token.
        event.stopPropagation();
        void copy();
      }}
      loading={busy}
      aria-label={copied ? `${label} copied` : `Copy ${label}`}
      // A native hint while idle: a Mantine tooltip per button is too heavy for a list of a thousand cards.
      title={copied ? undefined : `Copy ${label}`}
      className={className}
    >
      {copied ? <CheckIcon size={16} /> : <CopyIcon size={16} />}
    </ActionIcon>
  );
  return (
    <>
      {copied ? (
        <Suspense fallback={button}>
          <Tooltip label="Copied" opened color="teal">
            {button}
          </Tooltip>
        </Suspense>
      ) : (
        button
      )}
      <VisuallyHidden role="status">{copied ? `${label} copied` : ''}</VisuallyHidden>
    </>
  );
}
