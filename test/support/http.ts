/**
 * The management API in-process: `buildApp` on a test context, driven with `app.inject` (no port, no
 * network). A `Session` is a signed-in browser: its cookie and CSRF token go on every request it makes.
 */
import type { FastifyInstance, FastifyServerOptions, InjectOptions, LightMyRequestResponse, RouteOptions } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import type { Config } from '../../src/config.js';
import { createTestContext, type Context, type DialectName, type TestContext } from './databases.js';

export interface HttpHarness extends TestContext {
  app: FastifyInstance;
  /** Every route registered, as Fastify's onRoute hook reported it (one entry per method). */
  routes: { method: string; url: string }[];
}

export interface HttpOptions {
  logger?: FastifyServerOptions['logger'];
}

/** `buildApp` on `context`, ready, with every route it registered as Fastify's onRoute hook reported it. */
export async function startHttpApp(context: Context, options: HttpOptions = {}): Promise<Pick<HttpHarness, 'app' | 'routes'>> {
  const routes: HttpHarness['routes'] = [];
  const onRoute = (route: RouteOptions) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  };
  const app = await buildApp(context, { logger: options.logger ?? false, onRoute });
  await app.ready();
  return { app, routes };
}

export async function createHttpHarness(dialect: DialectName, options: HttpOptions & { config?: Partial<Config>; now?: () => number } = {}): Promise<HttpHarness> {
  const t = await createTestContext(dialect, { config: options.config, now: options.now });
  const { app, routes } = await startHttpApp(t.context, options);
  return {
    ...t,
    app,
    routes,
    async close() {
      await app.close();
      await t.close();
    },
  };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'HEAD';

export interface RequestOptions {
  /** The X-CSRF-Token to send: the session's own by default, a wrong one, or none (false). */
  csrf?: string | false;
  headers?: Record<string, string>;
  remoteAddress?: string;
}

export class Session {
  constructor(
    readonly app: FastifyInstance,
    readonly cookie: string,
    readonly csrfToken: string,
    readonly sessionId: string,
    readonly body: { user: { id: string; email: string }; accounts: { id: string; name: string; role: string }[] },
    readonly remoteAddress = '127.0.0.1',
  ) {}

  request(method: Method, url: string, payload?: unknown, options: RequestOptions = {}): Promise<LightMyRequestResponse> {
    const csrf = options.csrf === undefined ? this.csrfToken : options.csrf;
    const headers: Record<string, string> = { cookie: this.cookie, ...(csrf !== false ? { 'x-csrf-token': csrf } : {}), ...options.headers };
    return this.app.inject({ method, url, headers, remoteAddress: options.remoteAddress ?? this.remoteAddress, ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}) });
  }

  get(url: string, options?: RequestOptions) {
    return this.request('GET', url, undefined, options);
  }
  post(url: string, payload?: unknown, options?: RequestOptions) {
    return this.request('POST', url, payload, options);
  }
  patch(url: string, payload?: unknown, options?: RequestOptions) {
    return this.request('PATCH', url, payload, options);
  }
  delete(url: string, options?: RequestOptions) {
    return this.request('DELETE', url, undefined, options);
  }
}

export function loginRequest(app: FastifyInstance, email: string, password: string, options: { remoteAddress?: string; headers?: Record<string, string> } = {}) {
  return app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password }, remoteAddress: options.remoteAddress ?? '127.0.0.1', headers: options.headers });
}

/** The session cookie's value from a response's Set-Cookie header(s). */
export function sessionCookieOf(response: LightMyRequestResponse): { value: string; header: string } | undefined {
  const raw = response.headers['set-cookie'];
  const headers = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const header = headers.find((h) => h.startsWith('sidekey_session='));
  if (!header) return undefined;
  return { value: header.slice('sidekey_session='.length).split(';')[0], header };
}

/** Signs in through POST /api/v1/session and fails loudly if that does not work. */
export async function login(app: FastifyInstance, email: string, password: string, options: { remoteAddress?: string } = {}): Promise<Session> {
  const response = await loginRequest(app, email, password, options);
  if (response.statusCode !== 200) throw new Error(`login of ${email} failed: ${response.statusCode} ${response.body}`);
  const cookie = sessionCookieOf(response);
  if (!cookie) throw new Error('login set no session cookie');
  const body = response.json();
  return new Session(app, `sidekey_session=${cookie.value}`, body.csrfToken, cookie.value, body, options.remoteAddress);
}

export const json = (response: LightMyRequestResponse) => response.json() as any;
