/** Where a one-time invite link points, for the API's answer, the CLI's output and the web UI's route alike. */
export const INVITE_PATH = '/invite';
/** Long enough to reach someone on holiday, short enough that a forgotten link does not stay a way in. */
export const INVITE_TTL_MS = 7 * 86_400_000;

/** The link an invited user opens: the token travels in the query, and the page posts it back in a body. */
export function inviteUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}${INVITE_PATH}?token=${encodeURIComponent(token)}`;
}
