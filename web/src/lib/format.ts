import dayjs from 'dayjs';
import relativeTime from 'dayjs/plugin/relativeTime.js';

dayjs.extend(relativeTime);

/** "12 Mar 2026" — dates in lists, in the user's time zone. */
export const formatDate = (iso: string) => dayjs(iso).format('D MMM YYYY');

/** "12 Mar" — axis labels, where the year is plain from the context. */
export const formatDayMonth = (iso: string) => dayjs(iso).format('D MMM');

/** "12 Mar 2026, 14:05" — exact times in the audit trail and credentials. */
export const formatDateTime = (iso: string) => dayjs(iso).format('D MMM YYYY, HH:mm');

/** "3 hours ago" — recency, with the exact time kept for a tooltip. */
export const formatRelative = (iso: string) => dayjs(iso).fromNow();

/** Shows enough of an identifier to recognise it, never enough to use it. */
export function maskSecret(value: string, visibleEnd = 4): string {
  if (value.length <= visibleEnd * 2) return '•'.repeat(value.length);
  return `${value.slice(0, 2)}${'•'.repeat(12)}${value.slice(-visibleEnd)}`;
}

/**
 * "1,050" — a count, its whole part grouped in threes with commas, as the UI's English writes it (its dates are
 * English too). Not Intl.NumberFormat: the page's first Intl object loads the browser's locale data, 30–40 ms of
 * main thread in Chromium, and it was built in the first page's longest task.
 */
export function formatCount(count: number): string {
  const [whole, fraction] = String(count).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

export const pluralize = (count: number, singular: string, plural = `${singular}s`) => `${formatCount(count)} ${count === 1 ? singular : plural}`;

/** "1 hour", "24 hours", "7 days" for a rate-limit window or a grace period in seconds. */
export function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return pluralize(seconds / 86_400, 'day');
  if (seconds % 3_600 === 0) return pluralize(seconds / 3_600, 'hour');
  if (seconds % 60 === 0) return pluralize(seconds / 60, 'minute');
  return pluralize(seconds, 'second');
}
