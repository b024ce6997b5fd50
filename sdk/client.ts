/**
 * A typed client for Sidekey's POST /v1/verify. No dependencies: Node 20's fetch keeps connections alive.
 * This package imports nothing from the server, so a service can vendor or publish it on its own.
 */

export type VerificationCode =
  | 'ALLOWED'
  | 'INVALID_CREDENTIALS'
  | 'API_ACCESS_DISABLED'
  | 'TOKEN_DISABLED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'IP_NOT_ALLOWED'
  | 'VERSION_UNSUPPORTED'
  | 'INSUFFICIENT_SCOPE'
  | 'RATE_LIMITED';

export interface VerifyInput {
  /** The API client's raw Authorization header (Basic or Bearer)… */
  authorization?: string;
  /** …or the Account SID and Auth Token separately. */
  accountSid?: string;
  authToken?: string;
  method: string;
  /** The path the API client called, query string included. */
  path: string;
  /** The request's IR-Version header, if any. */
  apiVersion?: number | string;
  /** The API client's address, for tokens restricted to IP ranges. */
  ip?: string;
}

export interface VerifiedToken {
  id: string;
  accountId: string;
  accountSid: string;
  name: string;
  kind: 'scoped' | 'legacy_rw' | 'legacy_ro';
  apiVersion: number;
  scopes: string[];
}

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

export interface VerifyResult {
  valid: boolean;
  code: VerificationCode;
  /** The HTTP status to answer the API client with: 200, 401, 403 or 429. */
  status: 200 | 401 | 403 | 429;
  message: string;
  token: VerifiedToken | null;
  apiVersion?: number;
  requiredScope?: { id: string; name: string; method: string; path: string };
  detail?: { field: string; message: string };
  rateLimit: RateLimitState | null;
  retryAfter?: number;
}

export interface SidekeyClientOptions {
  /** Where Sidekey listens, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /** SIDEKEY_VERIFY_KEY of the server, when it requires one (the production setting). */
  verifyKey?: string;
  /** Per call; default 2 000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Sidekey could not give an answer (unreachable, timed out, misconfigured key): not a verdict on the token. */
export class SidekeyUnavailableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'SidekeyUnavailableError';
  }
}

export class SidekeyClient {
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SidekeyClientOptions) {
    this.endpoint = new URL('/v1/verify', options.baseUrl).toString();
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** The verdict for one request. Throws SidekeyUnavailableError only when there is no verdict. */
  async verify(input: VerifyInput): Promise<VerifyResult> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.verifyKey) headers['x-sidekey-verify-key'] = this.options.verifyKey;
    let response: Response;
    try {
      response = await this.fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(withoutUndefined(input)),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 2_000),
      });
    } catch (error) {
      throw new SidekeyUnavailableError(`Sidekey at ${this.endpoint} did not answer: ${(error as Error).message}`);
    }
    const body = await response.json().catch(() => undefined);
    if (response.status !== 200 || !body || typeof body.valid !== 'boolean') {
      throw new SidekeyUnavailableError(`Sidekey answered ${response.status}${body?.Message ? `: ${body.Message}` : ''}`, response.status, body);
    }
    return body as VerifyResult;
  }
}

export function createClient(options: SidekeyClientOptions): SidekeyClient {
  return new SidekeyClient(options);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
