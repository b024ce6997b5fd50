/**
 * The one rule for a new password, used by the services (API and CLI) and by the web UI's hints. Length is
 * counted in characters as people type them (code points), so an accented or emoji character counts once.
 */
export const PASSWORD_MIN_LENGTH = 12;
/** Argon2 hashes anything, but a bound keeps a hostile body from costing more than one ordinary sign-in. */
export const PASSWORD_MAX_LENGTH = 1024;

/** Not only white space: what the rule's last check says, as a JSON Schema pattern. */
export const PASSWORD_PATTERN = '\\S';

export const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a strong one.`;

/**
 * Passwords that Sidekey's own README, help texts or examples have printed: anyone can read them, so an account
 * must never get one (copy-pasting an example is how that would happen).
 */
const PUBLISHED_PASSWORDS = new Set(['at least 12 chars', 'at least 12 characters', 'your password here', 'your-password-here']);

/** What is wrong with `password` as a new password, as a field message ("must be …"), or undefined when it is fine. */
export function passwordProblem(password: string): string | undefined {
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.trim() === '') return 'must not be only spaces';
  if (PUBLISHED_PASSWORDS.has(password.trim().toLowerCase())) return 'is an example printed in the documentation: choose your own';
  return undefined;
}
