/** The SDK against a real Sidekey server, protecting a real node:http service and a real Fastify service. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.js';
import { createTestContext, describeEachDialect, type TestContext } from '../test/support/databases.js';
import { createBrand } from '../test/support/fixtures.js';
import { generateAuthToken } from '../src/domain/credentials.js';
import { apiPath, basic, issueToken, type Issued } from '../test/verify/helpers.js';
import { SidekeyUnavailableError, createClient, sidekeyMiddleware, sidekeyPreHandler, type VerifyResult } from './index.js';

const VERIFY_KEY = 'sdk-service-key-0123456789abcdef';

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;

describeEachDialect('SDK against a real server', (dialect) => {
  let t: TestContext;
  let sidekey: FastifyInstance;
  let sidekeyUrl: string;
  let issued: Issued;

  beforeAll(async () => {
    t = await createTestContext(dialect, { config: { verifyKey: VERIFY_KEY } });
    sidekey = await buildApp(t.context, { logger: false });
    await sidekey.listen({ port: 0, host: '127.0.0.1' });
    sidekeyUrl = urlOf(sidekey.server);
    issued = await issueToken(t.context, await createBrand(t.context), { scopes: ['listActions'] });
  });
  afterAll(async () => {
    await sidekey.close();
    await t.close();
  });

  describe('verify()', () => {
    it('returns the typed verdict', async () => {
      const client = createClient({ baseUrl: sidekeyUrl, verifyKey: VERIFY_KEY });
      const allowed = await client.verify({ accountSid: issued.accountSid, authToken: issued.authToken, method: 'GET', path: apiPath(issued.accountSid) });
      expect(allowed).toMatchObject({ valid: true, code: 'ALLOWED', status: 200, token: { id: issued.tokenId, scopes: ['listActions'] }, rateLimit: { limit: 1000 } });
      const refused = await client.verify({ authorization: issued.authorization, method: 'DELETE', path: apiPath(issued.accountSid, '/Actions') });
      expect(refused).toMatchObject({ valid: false, code: 'INSUFFICIENT_SCOPE', status: 403, requiredScope: { id: 'reverseAction' } });
    });

    it('throws SidekeyUnavailableError when there is no verdict: wrong service key, unreachable server', async () => {
      await expect(createClient({ baseUrl: sidekeyUrl }).verify({ authorization: issued.authorization, method: 'GET', path: '/' })).rejects.toMatchObject({ name: 'SidekeyUnavailableError', status: 401 });
      await expect(createClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 500 }).verify({ method: 'GET', path: '/' })).rejects.toBeInstanceOf(SidekeyUnavailableError);
    });
  });

  describe('Express-style middleware on a node:http service', () => {
    let service: Server;
    let seen: VerifyResult | undefined;
    beforeAll(async () => {
      const protect = sidekeyMiddleware(createClient({ baseUrl: sidekeyUrl, verifyKey: VERIFY_KEY }), { realm: 'Brand API' });
      service = createServer((request, response) =>
        protect(request, response, () => {
          seen = request.sidekey;
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ hello: request.sidekey?.token?.accountId }));
        }),
      );
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => service.close(() => resolve())));

    it('lets an allowed request through with the verdict on req.sidekey and the rate-limit headers', async () => {
      const response = await fetch(`${urlOf(service)}${apiPath(issued.accountSid)}`, { headers: { authorization: issued.authorization } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('1000');
      expect(seen?.token?.id).toBe(issued.tokenId);
    });

    it("answers refusals with Sidekey's status, challenge and envelope", async () => {
      const wrong = await fetch(`${urlOf(service)}${apiPath(issued.accountSid)}`, { headers: { authorization: basic(issued.accountSid, generateAuthToken()) } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="Brand API", charset="UTF-8"');
      const scope = await fetch(`${urlOf(service)}${apiPath(issued.accountSid, '/Actions/1')}`, { headers: { authorization: issued.authorization } });
      expect(scope.status).toBe(403);
      expect(await scope.json()).toMatchObject({ Status: 'ERROR', Code: 'INSUFFICIENT_SCOPE', RequiredScope: { Id: 'getActionById', Method: 'GET' } });
    });
  });

  describe('Fastify preHandler', () => {
    let service: FastifyInstance;
    beforeAll(async () => {
      service = Fastify();
      service.addHook('preHandler', sidekeyPreHandler(createClient({ baseUrl: sidekeyUrl, verifyKey: VERIFY_KEY })));
      service.get('/Advertisers/:sid/Actions', async (request) => ({ token: request.raw.sidekey?.token?.id }));
      await service.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(() => service.close());

    it('protects the routes', async () => {
      const base = urlOf(service.server);
      const allowed = await fetch(`${base}${apiPath(issued.accountSid)}`, { headers: { authorization: issued.authorization } });
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toEqual({ token: issued.tokenId });
      const missing = await fetch(`${base}${apiPath(issued.accountSid)}`);
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ Status: 'ERROR', Code: 'INVALID_CREDENTIALS' });
    });

    it('fails closed with 503 when Sidekey cannot answer', async () => {
      const closed = Fastify();
      const outages: unknown[] = [];
      closed.addHook('preHandler', sidekeyPreHandler(createClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 300 }), { onUnavailable: (e) => outages.push(e) }));
      closed.get('/x', async () => 'open');
      const response = await closed.inject({ method: 'GET', url: '/x', headers: { authorization: issued.authorization } });
      expect(response.statusCode).toBe(503);
      expect(outages).toHaveLength(1);
      await closed.close();
    });
  });
});
