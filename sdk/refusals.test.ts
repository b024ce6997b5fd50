/**
 * A service protected by the SDK refuses exactly as Sidekey's gateway does: for every answer code, the same
 * request sent to the gateway and to a node:http service behind `sidekeyMiddleware` gets the same status, the
 * same headers and the same body, byte for byte. Both are real servers on one verifier, whose clock and
 * database reads the test controls (to expire a token and to make the database "not answer").
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.js';
import { Freshness } from '../src/changes/freshness.js';
import type { TokenLoader, Verifier } from '../src/verify/verifier.js';
import { UsageRecorder } from '../src/verify/usage.js';
import { findVerifiableToken } from '../src/verify/repository.js';
import { generateAuthToken } from '../src/domain/credentials.js';
import { VERIFICATION_CODES, type VerificationCode } from '../src/domain/verification-answers.js';
import { createTestContext, type TestContext } from '../test/support/databases.js';
import { createBrand, type Brand } from '../test/support/fixtures.js';
import { apiPath, basic, issueToken, ownVerifier } from '../test/verify/helpers.js';
import { createClient, sidekeyMiddleware } from './index.js';

const BOUND_MS = 60_000;
/** Headers of the connection, not of the refusal, and Sidekey's id of its own request (quoted to an operator). */
const NOT_OF_THE_REFUSAL = new Set(['date', 'connection', 'keep-alive', 'x-request-id']);

interface Sent {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;

async function send(url: string, method: string, headers: Record<string, string>): Promise<Sent> {
  const response = await fetch(url, { method, headers });
  const kept = [...response.headers].filter(([name]) => !NOT_OF_THE_REFUSAL.has(name));
  return { status: response.status, headers: Object.fromEntries(kept.sort(([a], [b]) => a.localeCompare(b))), body: await response.text() };
}

let t: TestContext;
let brand: Brand;
let sidekey: FastifyInstance;
let service: Server;
let usage: UsageRecorder;
let verifier: Verifier;
let clock = Date.now();
let hang = false;
const freshness = new Freshness(BOUND_MS);

beforeAll(async () => {
  t = await createTestContext('sqlite');
  brand = await createBrand(t.context);
  const loader: TokenLoader = (sid) => (hang ? new Promise(() => {}) : findVerifiableToken(t.context.store.db, sid));
  usage = new UsageRecorder({ store: t.context.store, flushIntervalMs: 3_600_000 });
  verifier = ownVerifier(t.context, { freshness, readDeadlineMs: 100, usage, loader, now: () => clock });
  freshness.confirm(clock);
  // The gateway's upstream is never reached: every request here is refused.
  const context = { ...t.context, verifier, config: { ...t.context.config, upstreamUrl: 'http://127.0.0.1:9' } };
  sidekey = await buildApp(context, { logger: false });
  await sidekey.listen({ port: 0, host: '127.0.0.1' });
  const protect = sidekeyMiddleware(createClient({ baseUrl: urlOf(sidekey.server) }), { realm: t.context.catalog.name });
  service = createServer((request, response) => protect(request, response, () => response.end('allowed')));
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => service.close(() => resolve()));
  await sidekey.close();
  verifier.close();
  await usage.close();
  await t.close();
});

interface Case {
  code: VerificationCode;
  /** Sets the scene; returns the request an API client sends. */
  request: () => Promise<{ method?: string; target: string; headers: Record<string, string> }>;
}

const authorized = async (settings: Parameters<typeof issueToken>[2] = {}, rest = '/Actions') => {
  const issued = await issueToken(t.context, brand, settings);
  return { issued, target: apiPath(issued.accountSid, rest), headers: { authorization: issued.authorization } };
};

const CASES: Case[] = [
  { code: 'REQUEST_TARGET_REFUSED', request: async () => ({ ...(await authorized({}, '/Actions;x')) }) },
  {
    code: 'INVALID_CREDENTIALS',
    request: async () => {
      const { issued, target } = await authorized();
      return { target, headers: { authorization: basic(issued.accountSid, generateAuthToken()) } };
    },
  },
  {
    code: 'API_ACCESS_DISABLED',
    request: async () => {
      const own = await createBrand(t.context);
      const issued = await issueToken(t.context, own);
      await t.context.store.db.updateTable('accounts').set({ api_access_enabled: 0 }).where('id', '=', own.accountId).execute();
      await t.context.changes.publish({ kind: 'account', accountId: own.accountId });
      return { target: apiPath(issued.accountSid), headers: { authorization: issued.authorization } };
    },
  },
  {
    code: 'TOKEN_DISABLED',
    request: async () => {
      const request = await authorized();
      await t.context.tokens.setState(brand.admin, brand.accountId, request.issued.tokenId, 'disabled');
      return request;
    },
  },
  {
    code: 'TOKEN_EXPIRED',
    request: async () => {
      const request = await authorized({ expiresAt: new Date(clock + 60_000).toISOString() });
      clock += 61_000;
      freshness.confirm(clock);
      return request;
    },
  },
  { code: 'TOKEN_NOT_YET_VALID', request: () => authorized({ notBefore: new Date(clock + 3_600_000).toISOString() }) },
  { code: 'IP_NOT_ALLOWED', request: () => authorized({ allowedCidrs: ['198.51.100.0/24'] }) },
  {
    code: 'VERSION_UNSUPPORTED',
    request: async () => {
      const request = await authorized();
      return { ...request, headers: { ...request.headers, 'ir-version': '99' } };
    },
  },
  { code: 'INSUFFICIENT_SCOPE', request: async () => ({ ...(await authorized({ scopes: ['listActions'] }, '/Actions/7')), method: 'DELETE' }) },
  {
    code: 'RATE_LIMITED',
    request: async () => {
      const request = await authorized({ rateLimit: { limit: 1, windowSeconds: 3600 } });
      expect((await verifier.verify({ authorization: request.issued.authorization, method: 'GET', path: request.target })).code).toBe('ALLOWED');
      return request;
    },
  },
  {
    code: 'VERIFIER_UNAVAILABLE',
    request: async () => {
      const request = await authorized();
      hang = true;
      clock += BOUND_MS + 1;
      return request;
    },
  },
];

it('the cases cover every refusal code', () => {
  expect(CASES.map((c) => c.code)).toEqual(VERIFICATION_CODES.filter((code) => code !== 'ALLOWED'));
});

for (const { code, request } of CASES) {
  it(`${code}: the SDK-protected service answers what the gateway answers, byte for byte`, async () => {
    const { method = 'GET', target, headers } = await request();
    const gateway = await send(`${urlOf(sidekey.server)}${target}`, method, headers);
    const protectedService = await send(`${urlOf(service)}${target}`, method, headers);
    expect(gateway.headers['x-sidekey-code']).toBe(code);
    expect(protectedService).toEqual(gateway);
  });
}
