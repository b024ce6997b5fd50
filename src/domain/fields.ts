/**
 * Field limits and the e-mail check, kept free of Node imports so the web UI can give the same instant
 * feedback the server enforces.
 */
export const LIMITS = {
  nameMax: 100,
  descriptionMax: 1000,
  developerEmailsMax: 20,
  allowedCidrsMax: 50,
  graceSecondsMax: 7 * 86_400,
  rateLimitMax: 10_000_000,
  rateWindowMaxSeconds: 31 * 86_400,
} as const;

/**
 * A token name as JSON Schema can state the rule of domain/token.ts: at most LIMITS.nameMax characters once
 * trimmed, not blank. (JavaScript's `\s` is exactly the white space `String.prototype.trim` removes.)
 */
export const NAME_PATTERN = `^\\s*\\S(?:[\\s\\S]{0,${LIMITS.nameMax - 2}}\\S)?\\s*$`;

// Pragmatic address check (what browsers use for <input type=email>), not full RFC 5322.
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
export const isEmail = (s: string) => s.length <= 254 && EMAIL.test(s);

/**
 * A new scoped token must be able to call something: the wizard and `sidekey tokens create` both refuse an empty
 * selection with this reason. (The management API accepts an empty list, so a client may grant scopes later.)
 */
export const NO_SCOPES_REASON = 'a token without scopes cannot call any endpoint';
export const lacksScopes = (scopes: readonly string[]) => scopes.length === 0;
