/** One error type for the whole service; HTTP and the CLI translate it, nothing else invents statuses. */
export interface FieldError {
  field: string;
  message: string;
}

export type ErrorKind =
  | 'invalid_input' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'rate_limited' // 429
  | 'unavailable'; // 503

const statusOf: Record<ErrorKind, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};

export class SidekeyError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'SidekeyError';
    this.status = statusOf[kind];
  }
}

export const invalidInput = (fields: FieldError[], message = 'The request has invalid fields.') =>
  new SidekeyError('invalid_input', message, fields);
export const notFound = (what: string) => new SidekeyError('not_found', `${what} not found.`);
export const forbidden = (message: string) => new SidekeyError('forbidden', message);
export const conflict = (message: string) => new SidekeyError('conflict', message);
/** A dependency (the database) did not answer within its deadline: nothing was changed, the call may be retried. */
export const unavailable = (message = 'The database did not answer in time. Try again in a moment.') => new SidekeyError('unavailable', message);
export const unauthenticated = (message = 'Sign in to continue.') => new SidekeyError('unauthenticated', message);

/** Throws one error naming every bad field, so a client can fix them all in one go. */
export function assertNoFieldErrors(errors: FieldError[]): void {
  if (errors.length > 0) throw invalidInput(errors);
}

/** impact.com's error envelope, which API clients of the platform already parse. */
export interface ErrorEnvelope {
  Status: 'ERROR';
  Message: string;
  Errors: { Field: string; Message: string }[];
}

export function toEnvelope(message: string, fields: FieldError[] = []): ErrorEnvelope {
  return { Status: 'ERROR', Message: message, Errors: fields.map((f) => ({ Field: f.field, Message: f.message })) };
}
