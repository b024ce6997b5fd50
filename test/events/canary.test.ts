/**
 * Canary tokens against a real server: on every entrance (forward auth before and inside Fastify, POST /v1/verify,
 * the gateway) a canary's use is answered with exactly the bytes a wrong secret gets, and it reaches a real
 * webhook receiver as `token.canary_used` with the caller's address (by the client-address rule), method, path and
 * user agent — never the Auth Token that was sent.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { generateAccountSid, generateAuthToken } from '../../src/domain/credentials.js';
import type { LifecycleEvent } from '../../src/domain/lifecycle-events.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { login } from '../support/http.js';
import { apiPath, basic, issueToken, type Issued } from '../verify/helpers.js';
import { Receiver } from '../webhooks/receiver.js';

/** Everything one connection receives for `bytes`, until the server closes it (the request asks it to). */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** The answer with what differs between any two answers masked: the moment and the request's own id. */
const comparable = (raw: string) => raw.replace(/^date: .*$/gim, 'date: <masked>').replace(/^x-request-id: .*$/gim, 'x-request-id: <masked>');

interface Presented {
  accountSid: string;
  authToken: string;
}

/** Each entrance, as raw bytes on a socket, for one pair of credentials on the path of its own SID. */
const ENTRANCES: Record<string, (who: Presented, extra?: string) => string> = {
  'GET /v1/auth (fast path)': (who, extra = '') =>
    `GET /v1/auth HTTP/1.1\r\nHost: sidekey\r\nX-Original-Method: GET\r\nX-Original-URI: ${apiPath(who.accountSid)}\r\nAuthorization: ${basic(who.accountSid, who.authToken)}\r\n${extra}Connection: close\r\n\r\n`,
  'GET /v1/auth (Fastify route)': (who, extra = '') =>
    `GET /v1/auth HTTP/1.1\r\nHost: sidekey\r\nX-Original-Method: GET\r\nX-Original-URI: ${apiPath(who.accountSid)}\r\nAuthorization: ${basic(who.accountSid, who.authToken)}\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n${extra}Connection: close\r\n\r\nhi`,
  'POST /v1/verify': (who, extra = '') => {
    const body = JSON.stringify({ accountSid: who.accountSid, authToken: who.authToken, method: 'GET', path: apiPath(who.accountSid) });
    return `POST /v1/verify HTTP/1.1\r\nHost: sidekey\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`;
  },
  gateway: (who, extra = '') => `GET ${apiPath(who.accountSid)} HTTP/1.1\r\nHost: sidekey\r\nAuthorization: ${basic(who.accountSid, who.authToken)}\r\n${extra}Connection: close\r\n\r\n`,
};

describeEachDialect('canary tokens on a real server', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let upstream: http.Server;
  let port: number;
  let brand: Brand;
  let scoped: Issued;
  let receiver: Receiver;

  beforeAll(async () => {
    upstream = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('upstream'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
    t = await createTestContext(dialect, { config: { upstreamUrl, trustedProxies: ['loopback'], webhookAllowedPrivateTargets: ['loopback'], webhookTimeoutMs: 5_000 } });
    app = await buildApp(t.context, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
    brand = await createBrand(t.context);
    scoped = await issueToken(t.context, brand);
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await app?.close();
    await new Promise((resolve) => upstream?.close(resolve));
    await t?.close();
  });

  const createCanary = async (name: string) => {
    const { token, authToken } = await t.context.tokens.create(brand.admin, brand.accountId, { kind: 'canary', name });
    return { tokenId: token.id, accountSid: token.accountSid, authToken };
  };
  const canaryEvents = async (tokenId: string) =>
    (await t.context.store.db.selectFrom('lifecycle_events').select('payload').where('token_id', '=', tokenId).where('type', '=', 'token.canary_used').orderBy('id').execute()).map(
      (r) => JSON.parse(r.payload) as Extract<LifecycleEvent, { type: 'token.canary_used' }>,
    );

  it('answers a canary, with its own Auth Token or another, byte for byte as a wrong secret on every entrance', async () => {
    const canary = await createCanary('Planted in the old repo');
    const presented: Record<string, Presented> = {
      'a working token with a wrong secret': { accountSid: scoped.accountSid, authToken: generateAuthToken() },
      'a SID nobody issued': { accountSid: generateAccountSid('IR'), authToken: generateAuthToken() },
      "the canary with its own Auth Token": canary,
      'the canary with another Auth Token': { accountSid: canary.accountSid, authToken: generateAuthToken() },
    };
    for (const [entrance, request] of Object.entries(ENTRANCES)) {
      const answers: Record<string, string> = {};
      for (const [who, credentials] of Object.entries(presented)) answers[who] = comparable(await exchange(port, request(credentials)));
      const reference = answers['a working token with a wrong secret'];
      expect(reference, entrance).toMatch(entrance === 'POST /v1/verify' ? /^HTTP\/1\.1 200 / : /^HTTP\/1\.1 401 /);
      expect(reference, entrance).toContain('INVALID_CREDENTIALS');
      for (const [who, answer] of Object.entries(answers)) expect(answer, `${entrance}: ${who}`).toBe(reference);
    }
    // The working token still works: the comparison was with a real refusal, not with a broken server.
    expect(await exchange(port, ENTRANCES.gateway(scoped))).toMatch(/^HTTP\/1\.1 200 /);

    // Eight uses of the canary (two per entrance), at most one event a minute: one event, showing the first use
    // and counting the seven others.
    await t.context.lifecycle.canaries.runOnce();
    const [event, ...more] = await canaryEvents(canary.tokenId);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ type: 'token.canary_used', accountId: brand.accountId, token: { id: canary.tokenId, accountSid: canary.accountSid, name: 'Planted in the old repo' }, actor: { kind: 'system' } });
    expect(event.data).toMatchObject({ method: 'GET', path: apiPath(canary.accountSid), ip: '127.0.0.1', secretMatched: true, suppressedUses: 7 });
  });

  it("a canary's use reaches a webhook receiver with the caller's address, method, path and user agent, never its secret", async () => {
    const admin = await login(app, brand.emails.account_administrator, TEST_PASSWORD);
    const endpoint = await admin.post(`/api/v1/accounts/${brand.accountId}/webhooks`, { url: receiver.url, events: ['token.canary_used'], description: 'SOC' });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    receiver.secrets = [endpoint.json().secret];
    const canary = await createCanary('AWS keys in the wiki');
    const longAgent = `curl/8.5.0 ${'x'.repeat(1000)}`;
    // The direct peer is a trusted proxy (loopback), so the client is the address it forwarded.
    const answer = await exchange(port, ENTRANCES.gateway(canary, `User-Agent: ${longAgent}\r\nX-Forwarded-For: 203.0.113.77\r\n`));
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);

    await t.context.lifecycle.canaries.runOnce();
    await t.context.lifecycle.dispatcher.runOnce();
    await t.context.lifecycle.deliveries.runOnce();
    const delivered = receiver.received.filter((r) => JSON.parse(r.body).token.id === canary.tokenId);
    expect(delivered).toHaveLength(1);
    expect(delivered[0].verified).toBe(true);
    const body = JSON.parse(delivered[0].body);
    expect(body).toMatchObject({ type: 'token.canary_used', token: { id: canary.tokenId, name: 'AWS keys in the wiki' } });
    expect(body.data).toMatchObject({ ip: '203.0.113.77', method: 'GET', path: apiPath(canary.accountSid), secretMatched: true, suppressedUses: 0 });
    expect(body.data.userAgent).toHaveLength(256);
    expect(body.data.userAgent.startsWith('curl/8.5.0 xxx')).toBe(true);
    expect(body.data.userAgent.endsWith('…')).toBe(true);
    expect(Date.parse(body.data.usedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(delivered[0].body).not.toContain(canary.authToken);
    expect(delivered[0].body).not.toContain(canary.authToken.slice(4, 20));
  });

  it('a disabled canary is refused the same way and stays silent', async () => {
    const canary = await createCanary('Silenced');
    await t.context.tokens.setState(brand.admin, brand.accountId, canary.tokenId, 'disabled');
    const reference = comparable(await exchange(port, ENTRANCES.gateway({ accountSid: scoped.accountSid, authToken: generateAuthToken() })));
    expect(comparable(await exchange(port, ENTRANCES.gateway(canary)))).toBe(reference);
    await t.context.lifecycle.canaries.runOnce({ everything: true });
    expect(await canaryEvents(canary.tokenId)).toEqual([]);
  });
});
