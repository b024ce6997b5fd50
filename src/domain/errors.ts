/**
 * One error type for the whole service, and the one table of the management API's error codes: each code is
 * stable (clients may branch on it), names one reason, and fixes its HTTP status. HTTP and the CLI translate
 * errors; nothing else invents statuses. (The verification API's answer codes are its own: domain/verification-answers.ts.)
 */
export interface FieldError {
  field: string;
  message: string;
}

export const ERROR_CODES = {
  INVALID_INPUT: 400, // a field is missing, of the wrong type, or breaks a rule: Errors names each
  INPUT_TOO_DEEP: 400, // JSON nested deeper than the input limit (domain/input.ts)
  MALFORMED_JSON: 400, // a JSON body that does not parse, or is empty
  MALFORMED_REQUEST: 400, // bytes the HTTP parser refused, or a URL that does not decode
  BAD_REQUEST: 400, // any other request the server cannot read
  UNAUTHENTICATED: 401, // not signed in, or the session has ended
  SIGN_IN_FAILED: 401, // the e-mail or password is incorrect (never which)
  LEAK_REPORT_SIGNATURE_INVALID: 401, // a leak report (POST /v1/leaks) without a known key id and a valid signature of its body
  FORBIDDEN: 403, // the role may not do this
  CSRF_TOKEN_INVALID: 403, // a mutation without this session's X-CSRF-Token
  CURRENT_PASSWORD_INCORRECT: 403, // a password change whose current password is wrong (Errors names currentPassword)
  NOT_FOUND: 404, // no such resource, or not one of yours
  SETUP_LINK_INVALID: 404, // the first-run link is unknown, expired or used
  INVITE_LINK_INVALID: 404, // a user's invite link is unknown, expired, used or withdrawn
  ROUTE_NOT_FOUND: 404, // no such path or method
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409, // the current state does not allow it (API access off, a concurrent change)
  LAST_ACCOUNT_ADMINISTRATOR: 409, // the change would leave the account without an Account Administrator
  PAYLOAD_TOO_LARGE: 413, // over the body limit (domain/input.ts)
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415, // a body that is not application/json
  SIGN_IN_THROTTLED: 429, // too many sign-in attempts: see Retry-After
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500, // a fault of ours, logged with the request id
  DATABASE_UNAVAILABLE: 503, // the database did not answer within its deadline: nothing changed, retry
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class SidekeyError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
    /** For SIGN_IN_THROTTLED: when to try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SidekeyError';
    this.status = ERROR_CODES[code];
  }
}

export const invalidInput = (fields: FieldError[], message = 'The request has invalid fields.', code: ErrorCode = 'INVALID_INPUT') =>
  new SidekeyError(code, message, fields);
export const notFound = (what: string) => new SidekeyError('NOT_FOUND', `${what} not found.`);
export const forbidden = (message: string) => new SidekeyError('FORBIDDEN', message);
export const conflict = (message: string) => new SidekeyError('CONFLICT', message);
/** A dependency (the database) did not answer within its deadline: nothing was changed, the call may be retried. */
export const unavailable = (message = 'The database did not answer in time. Try again in a moment.') => new SidekeyError('DATABASE_UNAVAILABLE', message);
export const unauthenticated = (message = 'Sign in to continue.') => new SidekeyError('UNAUTHENTICATED', message);

/** impact.com's error envelope, which API clients of the platform already parse. */
export interface ErrorEnvelope {
  Status: 'ERROR';
  Message: string;
  Errors: { Field: string; Message: string }[];
}

export function toEnvelope(message: string, fields: FieldError[] = []): ErrorEnvelope {
  return { Status: 'ERROR', Message: message, Errors: fields.map((f) => ({ Field: f.field, Message: f.message })) };
}

/** The management API's envelope: impact.com's, plus the stable code and the request id to quote to an operator. */
export function managementEnvelope(code: ErrorCode, message: string, fields: FieldError[], requestId: string): ErrorEnvelope & { Code: ErrorCode; RequestId: string } {
  return { ...toEnvelope(message, fields), Code: code, RequestId: requestId };
}
