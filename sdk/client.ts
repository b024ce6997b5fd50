/**
 * A typed client for Sidekey's POST /v1/verify. No dependencies: Node 20's fetch keeps connections alive.
 * The answer's types are the server's own (src/domain/verification-answers.ts, compiled into this package).
 */
import type { VerifyAnswer, VerifyQuestion } from '../src/domain/verification-answers.js';

export type { RateLimitState, RequiredScope, VerificationCode, VerificationStatus, VerifiedToken } from '../src/domain/verification-answers.js';

/** The verdict on one request: POST /v1/verify's answer. */
export type VerifyResult = VerifyAnswer;

/** The question about one request: POST /v1/verify's body. */
export type VerifyInput = VerifyQuestion;

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
    const body = (await response.json().catch(() => undefined)) as { valid?: unknown; Message?: string } | undefined;
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
