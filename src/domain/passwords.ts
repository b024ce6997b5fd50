/**
 * Passwords that Sidekey's own README, help texts or examples have printed: anyone can read them, so an
 * account must never be created with one (copy-pasting an example is how that would happen).
 */
const PUBLISHED_PASSWORDS = new Set(['at least 12 chars', 'at least 12 characters', 'your password here', 'your-password-here']);

export const isPublishedPassword = (password: string) => PUBLISHED_PASSWORDS.has(password.trim().toLowerCase());
