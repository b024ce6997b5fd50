/**
 * Forward auth, POST /v1/verify and the gateway are served before Fastify (src/http/fast-path.ts). Whatever a client sends, the
 * answer must be the one Fastify's own routes give — status, headers and body — and a request the fast path
 * does not take must reach Fastify as it was sent, body included. `app.inject` goes to Fastify's router
 * directly, so it is the reference; a real socket goes through the fast paths.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { buildApp } from '../../src/http/app.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { generateAuthToken } from '../../src/domain/credentials.js';
import { BODY_LIMIT_BYTES } from '../../src/domain/input.js';
import { apiPath, basic, issueToken, type Issued } from '../verify/helpers.js';

const VERIFY_KEY = 'fast-path-test-service-key-0123456789';
const SEED = Number(process.env.SIDEKEY_FAST_PATH_SEED ?? 20261203);
const RUNS = Number(process.env.SIDEKEY_FAST_PATH_RUNS ?? 400);

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Headers about the connection, or the moment (node adds them to either way's answer alike). */
const CONNECTION_HEADERS = ['date', 'connection', 'keep-alive', 'transfer-encoding'];
/** Values that move between two requests of one token: its rate-limit window counts down. */
const MOVING_HEADERS = ['x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'];

function comparable(answer: Received) {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (CONNECTION_HEADERS.includes(name)) continue;
    headers[name] = MOVING_HEADERS.includes(name) ? 'present' : value;
  }
  let body: unknown = answer.body;
  try {
    body = JSON.parse(answer.body);
  } catch {}
  return { status: answer.status, headers, body };
}

/** `agent`: a keep-alive one shows which answers close the connection. `chunked`: the body goes in two chunks. */
function overSocket(port: number, sent: Sent, { agent, chunked }: { agent?: http.Agent; chunked?: boolean } = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: sent.method, path: sent.url, headers: sent.headers, setHost: false, agent: agent ?? false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    if (chunked && sent.body !== undefined) {
      const half = Math.floor(sent.body.length / 2);
      request.write(sent.body.slice(0, half));
      request.end(sent.body.slice(half));
    } else request.end(sent.body);
  });
}

async function throughFastify(app: FastifyInstance, sent: Sent): Promise<Received> {
  const response = await app.inject({ method: sent.method as 'GET', url: sent.url, headers: sent.headers, payload: sent.body });
  return { status: response.statusCode, headers: response.headers as Received['headers'], body: response.body };
}

/** Everything one connection receives for `bytes`, until the server closes it or `ms` pass. */
function rawExchange(port: number, bytes: string, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', done);
    socket.on('error', () => {});
  });
}

describeEachDialect('the fast paths answer exactly as the Fastify routes do', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let upstream: http.Server;
  let port: number;
  let brand: Brand;
  let issued: Issued;
  let exhausted: Issued;
  /** The X-Probe of every request Fastify's router received: the fast paths' requests never reach it. */
  const seenByFastify = new Set<string>();

  beforeAll(async () => {
    // The platform API: echoes what reached it.
    upstream = http.createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const text = JSON.stringify({ method: request.method, url: request.url, headers: request.headers, body });
        response.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'platform' });
        response.end(request.method === 'HEAD' ? undefined : text);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
    t = await createTestContext(dialect, { config: { upstreamUrl, verifyKey: VERIFY_KEY } });
    app = await buildApp(t.context, {
      logger: false,
      // Lookalikes of the fast paths' prefixes: Fastify must receive them, and their bodies, untouched.
      plugins: [
        fastifyPlugin(async (root) => {
          root.addHook('onRequest', async (request) => {
            const probe = request.headers['x-probe'];
            if (typeof probe === 'string') seenByFastify.add(probe);
          });
        }),
        async (scope) => {
          scope.post('/v1/authority', async (request) => ({ echoed: request.body }));
          scope.post('/Advertisersfoo', async (request) => ({ echoed: request.body }));
        },
      ],
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
    brand = await createBrand(t.context);
    issued = await issueToken(t.context, brand, { scopes: ['listActions', 'getActionById', 'updateActionOrItems'], rateLimit: { limit: 1_000_000, windowSeconds: 3600 } });
    exhausted = await issueToken(t.context, brand, { scopes: ['listActions', 'getActionById', 'updateActionOrItems'], rateLimit: { limit: 1, windowSeconds: 3600 } });
    await app.inject({ method: 'GET', url: apiPath(exhausted.accountSid), headers: { authorization: exhausted.authorization } });
  });
  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => upstream?.close(resolve));
    await t?.close();
  });

  /** The requests API clients and proxies send, honest and hostile, to both entrances. */
  const requests = () => {
    /** Usually `usual`, sometimes one of `others`: each request is honest but for a few things, or none. */
    const mostly = <T>(usual: T, ...others: T[]) => fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
    const who = mostly<() => Issued>(() => issued, () => exhausted);
    const rest = mostly('/Actions/5', '/Actions', '/Actions/5?PageSize=2', '/Campaigns', '/Nope', '/Actions;x=1', '/Actions/%2F..', '//Actions', '/Actions/', '/Act%69ons', '/Actions?IrVersion=13', '/Actions?_method=DELETE', '/actions', '');
    /** Whose credentials, on whose path, and how they are presented. */
    const call = fc.tuple(who, mostly('own', 'other'), rest, mostly('own', 'wrong secret', 'malformed', 'bearer', 'none')).map(([token, sid, r, kind]) => () => {
      const { accountSid, authToken } = token();
      const path = apiPath(sid === 'own' ? accountSid : 'AC0000000000000000000000000000000000', r);
      if (kind === 'own') return { path, authorization: basic(accountSid, authToken) };
      if (kind === 'wrong secret') return { path, authorization: basic(accountSid, generateAuthToken()) };
      if (kind === 'bearer') return { path, authorization: `Bearer ${authToken}` };
      return { path, authorization: kind === 'malformed' ? 'Basic !!!' : undefined };
    });
    return fc
      .record({
        entrance: fc.constantFrom('auth', 'gateway', 'auth-query', 'auth-path'),
        method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        originalMethod: mostly<string | undefined>('GET', 'PUT', 'DELETE', 'get', 'GET, PUT', '', undefined),
        call,
        verifyKey: mostly<string | undefined>(VERIFY_KEY, 'wrong', undefined),
        style: mostly<string | undefined>(undefined, 'nginx', 'traefik'),
        irVersion: mostly<string | undefined>(undefined, '13', '14', '99', 'abc'),
        forged: mostly<string | undefined>(undefined, 'x-forwarded-uri', 'x-http-method-override', 'x-sidekey-account-id', 'x_http_method_override'),
        contentType: mostly<string | undefined>(undefined, 'application/json', 'application/xml; charset=utf-8', 'nonsense', 'text/plain '),
        body: mostly<string | undefined>(undefined, '{"a":1}', '<Action/>', ''),
        requestId: mostly<string | undefined>(undefined, 'lb-1.a_b', 'has space'),
        forwardedFor: mostly<string | undefined>(undefined, '203.0.113.9', 'garbage'),
      })
      .map((r): Sent => {
        const { path, authorization } = r.call();
        const headers: Record<string, string> = { host: 'sidekey.test', 'user-agent': 'fast-path-test' };
        if (authorization !== undefined) headers.authorization = authorization;
        let url = path;
        if (r.entrance !== 'gateway') {
          url = r.entrance === 'auth-path' ? `/v1/auth${path}` : r.entrance === 'auth-query' ? '/v1/auth?from=nginx' : '/v1/auth';
          if (r.originalMethod !== undefined) headers['x-original-method'] = r.originalMethod;
          headers['x-original-uri'] = path;
          if (r.verifyKey !== undefined) headers['x-sidekey-verify-key'] = r.verifyKey;
          if (r.style !== undefined) headers['x-sidekey-auth-style'] = r.style;
        }
        if (r.irVersion !== undefined) headers['ir-version'] = r.irVersion;
        if (r.forged !== undefined) headers[r.forged] = r.forged.includes('uri') ? '/elsewhere' : 'forged';
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
        if (r.forwardedFor !== undefined) headers['x-forwarded-for'] = r.forwardedFor;
        const body = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD' ? r.body : undefined;
        if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
        return { method: r.method, url, headers, body };
      });
  };

  it('gives every generated request the answer Fastify gives it: status, headers and body', async () => {
    let compared = 0;
    let taken = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests(), async (sent) => {
        const probe = `property-${compared}`;
        sent.headers['x-probe'] = probe;
        const fast = await overSocket(port, sent);
        if (!seenByFastify.has(probe)) taken++;
        const reference = await throughFastify(app, sent);
        const fastAnswer = comparable(fast);
        const referenceAnswer = comparable(reference);
        // A request id the client did not send (or sent insane) is a fresh one on each way in.
        if (sent.headers['x-request-id'] !== 'lb-1.a_b') {
          for (const answer of [fastAnswer, referenceAnswer]) {
            const id = answer.headers['x-request-id'];
            if (id !== undefined) {
              expect(id).toMatch(/^[0-9a-f-]{36}$/);
              answer.headers['x-request-id'] = 'fresh';
            }
            const body = answer.body as { RequestId?: string } | undefined;
            if (body && typeof body === 'object' && typeof body.RequestId === 'string') body.RequestId = 'fresh';
          }
        }
        expect(fastAnswer, `${sent.method} ${sent.url} ${JSON.stringify(sent.headers)}`).toEqual(referenceAnswer);
        compared++;
        statuses.set(fast.status, (statuses.get(fast.status) ?? 0) + 1);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    console.log(`[fast path] ${compared} requests compared (seed ${SEED}), ${taken} served by the fast paths, by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
    // Both ways were exercised: most requests by the fast paths, the ones they decline by Fastify.
    expect(taken).toBeGreaterThan(compared / 2);
    expect(taken).toBeLessThan(compared);
    // The corpus reaches every kind of answer, allowed and proxied ones included.
    for (const status of [200, 400, 401, 403, 404, 429]) expect(statuses.get(status), `status ${status}`).toBeGreaterThan(0);
  });

  /** The questions services and the SDK send to POST /v1/verify, and every way a body can be odd or hostile. */
  const verifyRequests = () => {
    const mostly = <T>(usual: T, ...others: T[]) => fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
    const who = mostly<() => Issued>(() => issued, () => exhausted);
    const path = mostly('/Actions/5', '/Actions', '/Campaigns', '/Nope', '/Actions/%2F..', '/Actions?_method=DELETE', '');
    /** A question as JSON text: the honest shapes, then values ajv coerces or refuses, missing and extra fields. */
    const question = fc
      .record({
        who,
        path,
        form: mostly('authorization', 'sid+token', 'wrong secret', 'none'),
        method: mostly<unknown>('GET', 'PUT', 'delete', 5, ['GET'], ['GET', 'PUT'], null, 'GET PUT', ''),
        apiVersion: mostly<unknown>(undefined, 13, '13', 12.5, true, [13], null, 'x'.repeat(20)),
        ip: mostly<unknown>(undefined, '203.0.113.9', 127, 'garbage', false),
        extra: mostly<Record<string, unknown>>({}, { extra: 1 }, { Method: 'GET' }, { path: undefined }, { method: undefined }, { authToken: 'x'.repeat(300) }),
      })
      .map((q) => () => {
        const { accountSid, authToken, authorization } = q.who();
        const question: Record<string, unknown> = { method: q.method, path: q.path === '' ? '' : apiPath(accountSid, q.path) };
        if (q.form === 'authorization') question.authorization = authorization;
        if (q.form === 'sid+token') Object.assign(question, { accountSid, authToken });
        if (q.form === 'wrong secret') Object.assign(question, { accountSid, authToken: generateAuthToken() });
        if (q.apiVersion !== undefined) question.apiVersion = q.apiVersion;
        if (q.ip !== undefined) question.ip = q.ip;
        return JSON.stringify({ ...question, ...q.extra });
      });
    const deep = (levels: number) => `{"method":"GET","path":"/x","ip":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    /** Text that is not a question: broken JSON, prototype keys at any depth, nesting past the limit, other values. */
    const oddBody = fc.constantFrom(
      '{',
      '{"method":"GET",}',
      'nul',
      ' ',
      '\ufeff{"method":"GET","path":"/x"}',
      '{"__proto__":{"method":"GET"},"method":"GET","path":"/x"}',
      '{"method":"GET","path":"/x","ip":{"constructor":{"prototype":{"a":1}}}}',
      '{"constructor":{"prototype":{"method":"GET"}},"method":"GET","path":"/x"}',
      '{"constructor":"GET","method":"GET","path":"/x"}',
      deep(31),
      deep(40),
      'null',
      '[]',
      '"GET"',
      '13',
      '{"method":"GET","path":"\\ud800é\\u0000"}',
      `{"method":"GET","path":"/${'x'.repeat(9000)}"}`,
      `{"method":"GET","path":"/x","pad":"${'x'.repeat(BODY_LIMIT_BYTES - 100)}"}`,
      `{"method":"GET","path":"/x","pad":"${'x'.repeat(BODY_LIMIT_BYTES)}"}`,
    );
    return fc
      .record({
        body: fc.oneof({ arbitrary: question, weight: 3 }, { arbitrary: oddBody.map((text) => () => text), weight: 2 }),
        method: mostly('POST', 'PUT', 'GET'),
        url: mostly('/v1/verify', '/v1/verify?x=1', '/v1/verify/', '/v1/VERIFY'),
        contentType: mostly<string | undefined>('application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8', 'application/json; charset=latin1', 'text/plain', 'application/jsonx', 'application/x-www-form-urlencoded', '', undefined),
        framing: mostly<'length' | 'chunked' | 'none'>('length', 'chunked', 'none'),
        verifyKey: mostly<string | undefined>(VERIFY_KEY, 'wrong', undefined),
        requestId: mostly<string | undefined>(undefined, 'svc-1.a_b', 'has space'),
      })
      .map((r): Sent & { chunked: boolean } => {
        const headers: Record<string, string> = { host: 'sidekey.test', 'user-agent': 'fast-path-test' };
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.verifyKey !== undefined) headers['x-sidekey-verify-key'] = r.verifyKey;
        if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
        const body = r.method === 'GET' ? undefined : r.body();
        if (body !== undefined && r.framing === 'length') headers['content-length'] = String(Buffer.byteLength(body));
        return { method: r.method, url: r.url, headers, body: r.framing === 'none' ? undefined : body, chunked: r.framing === 'chunked' };
      });
  };

  it('answers every generated POST /v1/verify exactly as the Fastify route does: status, headers, body, and whether the connection closes', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let compared = 0;
    let taken = 0;
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    try {
      await fc.assert(
        fc.asyncProperty(verifyRequests(), async ({ chunked, ...sent }) => {
          const probe = `verify-${compared}`;
          sent.headers['x-probe'] = probe;
          const fast = await overSocket(port, sent, { agent, chunked });
          const servedFast = !seenByFastify.has(probe);
          if (servedFast) taken++;
          const reference = await throughFastify(app, sent);
          // Over a keep-alive connection the server says keep-alive unless the answer closes it; inject says only close.
          const closes = [fast.headers.connection === 'close', reference.headers.connection === 'close'];
          const [fastAnswer, referenceAnswer] = [fast, reference].map((answer) => {
            const view = comparable(answer);
            const body = view.body as { RequestId?: string; rateLimit?: Record<string, unknown> | null; retryAfter?: number } | undefined;
            if (body && typeof body === 'object' && !Array.isArray(body)) {
              // The rate-limit window counts down between the two requests of one token.
              if (body.rateLimit) body.rateLimit = { ...body.rateLimit, remaining: 'present', reset: 'present' };
              if (body.retryAfter !== undefined) body.retryAfter = 0;
              if (sent.headers['x-request-id'] !== 'svc-1.a_b' && typeof body.RequestId === 'string') body.RequestId = 'fresh';
            }
            if (sent.headers['x-request-id'] !== 'svc-1.a_b') {
              expect(view.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
              view.headers['x-request-id'] = 'fresh';
            }
            return view;
          });
          const label = `${sent.method} ${sent.url} ${JSON.stringify(sent.headers)} ${chunked ? 'chunked' : ''} ${sent.body?.slice(0, 300)}`;
          expect(fastAnswer, label).toEqual(referenceAnswer);
          expect(closes[0], label).toBe(closes[1]);
          compared++;
          statuses.set(fast.status, (statuses.get(fast.status) ?? 0) + 1);
          const answered = fastAnswer.body as { Code?: string; code?: string } | undefined;
          if (servedFast && answered && typeof answered === 'object') codes.add(answered.Code ?? answered.code ?? '');
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } finally {
      agent.destroy();
    }
    console.log(`[fast path] ${compared} questions to /v1/verify compared (seed ${SEED}), ${taken} served by the fast path, by status: ${JSON.stringify(Object.fromEntries(statuses))}, codes the fast path answered: ${[...codes].sort().join(' ')}`);
    expect(taken).toBeGreaterThan(compared / 4);
    expect(taken).toBeLessThan(compared);
    // Allowed, refused, and each refusal of a body the fast path computes itself, were compared.
    for (const status of [200, 400, 401, 404, 413, 415]) expect(statuses.get(status), `status ${status}`).toBeGreaterThan(0);
    for (const code of ['ALLOWED', 'RATE_LIMITED', 'INVALID_CREDENTIALS', 'INVALID_INPUT', 'MALFORMED_JSON', 'INPUT_TOO_DEEP', 'VERIFY_KEY_INVALID']) expect(codes, code).toContain(code);
  });

  it('questions on one connection are answered in order; a malformed one is answered and the connection closed', async () => {
    const question = JSON.stringify({ authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid, '/Actions/5') });
    const head = (length: number) => `POST /v1/verify HTTP/1.1\r\nHost: sidekey.test\r\nContent-Type: application/json\r\nX-Sidekey-Verify-Key: ${VERIFY_KEY}\r\nContent-Length: ${length}\r\n\r\n`;
    // Cut inside the JSON: a malformed body, and Fastify's parser closes the connection after its 400.
    const cut = await rawExchange(port, `${head(10)}${question.slice(0, 10)}GET /healthz HTTP/1.1\r\nHost: sidekey.test\r\n\r\n`);
    expect(cut.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 400']);
    expect(cut).toMatch(/"Code":"MALFORMED_JSON"/);
    expect(cut).toMatch(/connection: close/i);
    // A whole question, then the next one on the same connection: both answered, in order.
    const twice = await rawExchange(port, `${head(question.length)}${question}${head(question.length)}${question}`);
    expect(twice.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(twice.match(/"code":"ALLOWED"/g)).toHaveLength(2);
  });

  it('an allowed forward-auth call carries the identity and the request id, on the fast path as through Fastify', async () => {
    const sent: Sent = { method: 'GET', url: '/v1/auth', headers: { host: 'sidekey.test', authorization: issued.authorization, 'x-original-method': 'GET', 'x-original-uri': apiPath(issued.accountSid, '/Actions/5'), 'x-sidekey-verify-key': VERIFY_KEY, 'x-request-id': 'probe-1', 'x-probe': 'allowed' } };
    const fast = await overSocket(port, sent);
    expect(seenByFastify.has('allowed')).toBe(false);
    for (const answer of [fast, await throughFastify(app, sent)]) {
      expect(answer.status).toBe(200);
      expect(answer.headers).toMatchObject({ 'x-sidekey-account-sid': issued.accountSid, 'x-sidekey-account-id': brand.accountId, 'x-sidekey-token-id': issued.tokenId, 'x-request-id': 'probe-1', 'content-length': '0' });
    }
  });

  it('a request the fast paths do not take reaches Fastify with its body', async () => {
    const body = JSON.stringify({ question: 'intact?', padding: 'x'.repeat(5000) });
    for (const url of ['/v1/authority', '/Advertisersfoo']) {
      const answer = await overSocket(port, { method: 'POST', url, headers: { host: 'sidekey.test', 'content-type': 'application/json', 'content-length': String(body.length), 'x-probe': url }, body });
      expect(seenByFastify.has(url), url).toBe(true);
      expect(answer.status, url).toBe(200);
      expect(JSON.parse(answer.body), url).toEqual({ echoed: JSON.parse(body) });
    }
    // A forward-auth call with a body is Fastify's (which reads and drops it); POST /v1/verify answers either way.
    const verify = await overSocket(port, {
      method: 'POST',
      url: '/v1/verify',
      headers: { host: 'sidekey.test', 'content-type': 'application/json', 'x-sidekey-verify-key': VERIFY_KEY },
      body: JSON.stringify({ authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid, '/Actions/5') }),
    });
    expect(JSON.parse(verify.body)).toMatchObject({ valid: true, code: 'ALLOWED' });
  });

  it('a request with framing the server does not trust is answered once, the connection closed', async () => {
    const head = (url: string, framing: string) => `POST ${url} HTTP/1.1\r\nHost: sidekey.test\r\nAuthorization: ${issued.authorization}\r\n${framing}\r\n`;
    for (const url of [apiPath(issued.accountSid, '/Actions'), '/v1/auth']) {
      for (const framing of ['Transfer-Encoding: identity\r\n', 'Content-Length: 3\r\nContent-Length: 4\r\n', 'Transfer-Encoding: chunked, chunked\r\n', 'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n']) {
        const text = await rawExchange(port, `${head(url, framing)}abc`);
        const statusLines = text.match(/HTTP\/1\.1 \d{3}/g) ?? [];
        expect(statusLines, `${url} ${JSON.stringify(framing)}: ${text.slice(0, 200)}`).toHaveLength(1);
        expect(statusLines[0], `${url} ${JSON.stringify(framing)}`).toMatch(/ 4\d\d| 501/);
      }
    }
  });

  it('pipelined forward-auth calls on one connection are answered in order, one answer each', async () => {
    const call = (id: string) => `GET /v1/auth HTTP/1.1\r\nHost: sidekey.test\r\nAuthorization: ${issued.authorization}\r\nX-Original-Method: GET\r\nX-Original-URI: ${apiPath(issued.accountSid, '/Actions')}\r\nX-Sidekey-Verify-Key: ${VERIFY_KEY}\r\nX-Request-Id: ${id}\r\n\r\n`;
    const text = await rawExchange(port, `${call('p-1')}${call('p-2')}GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: p-3\r\nConnection: close\r\n\r\n`);
    expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
    expect([...text.matchAll(/x-request-id: (\S+)/gi)].map((m) => m[1])).toEqual(['p-1', 'p-2', 'p-3']);
  });
});

it('listening on localhost still binds every loopback address, and forward auth answers on each', async () => {
  const t = await createTestContext('sqlite', { config: { verifyKey: VERIFY_KEY } });
  const app = await buildApp(t.context, { logger: false });
  try {
    await app.listen({ port: 0, host: 'localhost' });
    const addresses = app.addresses() as net.AddressInfo[];
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) {
      const answer = await new Promise<number>((resolve, reject) => {
        http.get({ host: address.address, family: address.family === 'IPv6' ? 6 : 4, port: address.port, path: '/v1/auth', headers: { 'x-original-method': 'GET', 'x-original-uri': '/Advertisers/x/Actions' } }, (response) => {
          response.resume();
          resolve(response.statusCode!);
        }).on('error', reject);
      });
      expect(answer, address.address).toBe(401);
    }
  } finally {
    await app.close();
    await t.close();
  }
});
