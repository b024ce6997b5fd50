/**
 * Leak reports in GitHub's secret-scanning partner format (docs/leak-reports.md): the public keys a report must be
 * signed with, the signature check, and how each reported string is labelled in the answer. No I/O.
 *
 * A report is a JSON array of `{token, type, url, source}`; GitHub signs the raw body with ECDSA P-256 / SHA-256 and
 * sends the key's identifier and the base64 DER signature in `Github-Public-Key-Identifier` and
 * `Github-Public-Key-Signature`. The answer is an array of `{token_raw, token_type, label}`.
 */
import { type KeyObject, createPublicKey, verify } from 'node:crypto';

export const KEY_ID_HEADER = 'github-public-key-identifier';
export const SIGNATURE_HEADER = 'github-public-key-signature';

export type LeakLabel = 'true_positive' | 'false_positive';

/** One answer entry, as GitHub reads it. */
export interface LeakLabelEntry {
  token_raw: string;
  token_type: string;
  label: LeakLabel;
}

/**
 * What a report did to a token (its exposure is recorded whatever it did): disabled it, found it disabled already,
 * or left a canary armed.
 */
export const EXPOSURE_ACTIONS = ['disabled', 'already_disabled', 'canary_kept'] as const;
export type ExposureAction = (typeof EXPOSURE_ACTIONS)[number];

/**
 * What a report does to a token. An enabled token is disabled: its secret is public. A canary is left as it is —
 * it authenticates nothing, and disabling it would silence the alarm just when a thief may be about to use what
 * was found (its exposure still tells its contacts where it turned up).
 */
export function exposureActionFor(token: { kind: string; state: string }): ExposureAction {
  if (token.kind === 'canary') return 'canary_kept';
  return token.state === 'enabled' ? 'disabled' : 'already_disabled';
}

/**
 * What became of one reported string: not a credential of this Sidekey (malformed, a bad checksum, an Account SID
 * alone, or no token has it), a new exposure of a token, or a report already recorded (same token, secret and URL).
 */
export type ExposureOutcome = { kind: 'unknown' } | { kind: 'recorded'; action: ExposureAction } | { kind: 'repeated' };

/**
 * The label GitHub is told. A string that authenticates, or did until it was disabled, is a real leak of a real
 * credential: true_positive (a disabled token's secret is still worth knowing about — enabling the token again
 * would put a public secret back in service). Anything else is false_positive.
 */
export const labelOf = (outcome: ExposureOutcome): LeakLabel => (outcome.kind === 'unknown' ? 'false_positive' : 'true_positive');

/** A verification key: GitHub's `key_identifier` and the key it names. */
export interface LeakReportKey {
  keyIdentifier: string;
  key: KeyObject;
}

/**
 * The keys of a `/meta/public_keys/secret_scanning` document (`{public_keys: [{key_identifier, key, is_current}]}`),
 * each a PEM ECDSA P-256 public key; or why the document is refused.
 */
export function parsePublicKeys(document: unknown): LeakReportKey[] | string {
  const list = document && typeof document === 'object' ? (document as { public_keys?: unknown }).public_keys : undefined;
  if (!Array.isArray(list) || list.length === 0) return 'must be a JSON object with a non-empty "public_keys" list';
  const keys: LeakReportKey[] = [];
  for (const [i, entry] of list.entries()) {
    const { key_identifier: keyIdentifier, key } = (entry ?? {}) as { key_identifier?: unknown; key?: unknown };
    if (typeof keyIdentifier !== 'string' || keyIdentifier === '' || typeof key !== 'string') return `public_keys[${i}] needs a "key_identifier" and a PEM "key"`;
    let parsed: KeyObject;
    try {
      parsed = createPublicKey(key);
    } catch {
      return `public_keys[${i}].key is not a PEM public key`;
    }
    if (parsed.asymmetricKeyType !== 'ec' || parsed.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return `public_keys[${i}].key is not an ECDSA P-256 key`;
    keys.push({ keyIdentifier, key: parsed });
  }
  return keys;
}

export type SignatureCheck = 'valid' | 'missing' | 'unknown_key' | 'bad_signature';

/**
 * Whether `body` (the raw bytes received, never a re-serialisation) carries a valid signature by the key `keyId`
 * names. Key identifiers are public, so finding one by equality leaks nothing.
 */
export function checkReportSignature(keys: readonly LeakReportKey[], keyId: string | undefined, signature: string | undefined, body: Buffer): SignatureCheck {
  if (!keyId || !signature) return 'missing';
  const entry = keys.find((k) => k.keyIdentifier === keyId);
  if (!entry) return 'unknown_key';
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length === 0) return 'bad_signature';
  try {
    return verify('sha256', body, { key: entry.key, dsaEncoding: 'der' }, bytes) ? 'valid' : 'bad_signature';
  } catch {
    return 'bad_signature';
  }
}
