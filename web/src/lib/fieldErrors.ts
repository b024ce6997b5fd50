/** The server's field errors (400 `Errors: [{Field, Message}]`) shaped for the `error=` props of form fields. */
import { ApiError } from '../api/client.js';

export type FieldErrors = Partial<Record<string, string>>;

/** The server's field errors keyed by field name ("name", "rateLimit.limit", …), ready for `error=` props. */
export function fieldErrorsOf(error: unknown): FieldErrors {
  if (!(error instanceof ApiError)) return {};
  return Object.fromEntries(error.fieldErrors.map((f) => [f.field, f.message]));
}

/** A message that names its field reads well next to it: "is required" → "Token Name is required". */
export const sentence = (label: string, message: string | undefined) =>
  message === undefined ? undefined : /^[a-z]/.test(message) ? `${label} ${message}` : message;
