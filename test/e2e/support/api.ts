/**
 * The management API from Node, signed in like the browser is (session cookie + CSRF header), for setting up
 * what a browser test needs but does not test itself, such as a thousand tokens.
 */
import type { SessionDto, TokenSettingsDto, TokenWithSecretDto } from '../../../src/http/management/schemas.js';

export interface ManagementClient {
  session: SessionDto;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  createToken(accountId: string, settings: TokenSettingsDto): Promise<TokenWithSecretDto>;
}

export async function signInToApi(baseUrl: string, credentials: { email: string; password: string }): Promise<ManagementClient> {
  const response = await fetch(`${baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
  const session = (await response.json()) as SessionDto;
  const send = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { cookie, 'x-csrf-token': session.csrfToken };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const reply = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!reply.ok) throw new Error(`${method} ${path} failed: ${reply.status} ${await reply.text()}`);
    return (await reply.json()) as T;
  };
  const post = <T>(path: string, body?: unknown) => send<T>('POST', path, body);
  return {
    session,
    get: (path) => send('GET', path),
    post,
    patch: (path, body) => send('PATCH', path, body),
    createToken: (accountId, settings) => post<TokenWithSecretDto>(`/accounts/${accountId}/tokens`, settings),
  };
}
