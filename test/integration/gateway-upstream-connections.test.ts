/**
 * The gateway's upstream connections under load: `sidekey serve --upstream` as its own process in front of a real
 * upstream process that counts the TCP connections requests reach it on. A gateway keeps its upstream connections
 * open and reuses them; one that opened a connection per request (or per client connection) would spend a TCP
 * handshake, a socket and a port on every request and fall far behind a plain reverse proxy.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { createContext, type Context } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createBrand } from '../support/fixtures.js';
import { type RunningServer, startSidekey, startUpstream } from '../support/servers.js';
import { apiPath, issueToken, type Issued } from '../verify/helpers.js';

interface Sent {
  status: number;
  socket: Socket;
}

/** One request on `agent` (false: a connection of its own, closed after the answer), its answer read to the end. */
function send(origin: string, agent: http.Agent | false, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${origin}${path}`, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) } });
    request.once('error', reject);
    request.once('response', (response) => {
      response.resume();
      response.once('end', () => resolve({ status: response.statusCode!, socket: request.socket! }));
      response.once('error', reject);
    });
    request.end(body);
  });
}

describe('gateway upstream connections (sidekey serve --upstream, a real upstream)', () => {
  let db: TestDatabase;
  let setup: Context;
  let upstream: RunningServer;
  let gateway: RunningServer;
  let issued: Issued;

  beforeAll(async () => {
    // The proxy is what is measured, not the store: one database is enough.
    db = await createTestDatabase('sqlite');
    const env = { DATA_DIR: db.dataDir, SIDEKEY_MASTER_KEY: randomBytes(32).toString('base64'), SIDEKEY_HASH_KEY: randomBytes(32).toString('base64') };
    setup = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    const brand = await createBrand(setup);
    issued = await issueToken(setup, brand, { scopes: ['listActions', 'getActionById', 'updateActionOrItems'], rateLimit: { limit: 100_000, windowSeconds: 3600 } });
    upstream = await startUpstream();
    gateway = await startSidekey(env, ['--upstream', upstream.url]);
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
    await setup?.close();
    await db?.drop();
  });

  const upstreamConnections = async () => (await (await fetch(`${upstream.url}/__connections`)).json()).connections as number;

  it('serves many requests from K keep-alive client connections over at most K upstream connections', async () => {
    const K = 4;
    const WAVES = 40;
    const client = new http.Agent({ keepAlive: true, maxSockets: K });
    const before = await upstreamConnections();
    const clientSockets = new Set<Socket>();
    try {
      for (let wave = 0; wave < WAVES; wave++) {
        // K at once, GETs and PUTs with a body: every client connection is busy while the others are.
        const sent = await Promise.all(
          Array.from({ length: K }, (_, i) =>
            i % 2 === 0
              ? send(gateway.url, client, 'GET', apiPath(issued.accountSid, `/Actions/${wave}`), { authorization: issued.authorization })
              : send(gateway.url, client, 'PUT', apiPath(issued.accountSid, '/Actions'), { authorization: issued.authorization }, `<Action><Id>${wave}</Id></Action>`),
          ),
        );
        for (const { status, socket } of sent) {
          expect(status).toBe(200);
          clientSockets.add(socket);
        }
      }
    } finally {
      client.destroy();
    }
    expect(clientSockets.size).toBe(K);
    expect(await upstreamConnections()).toBeLessThanOrEqual(before + K);
  });

  it('reuses its upstream connection for clients that each come on a connection of their own', async () => {
    await send(gateway.url, false, 'GET', apiPath(issued.accountSid, '/Actions/0'), { authorization: issued.authorization });
    const before = await upstreamConnections();
    for (let i = 0; i < 30; i++) {
      const { status } = await send(gateway.url, false, 'GET', apiPath(issued.accountSid, `/Actions/${i}`), { authorization: issued.authorization });
      expect(status).toBe(200);
    }
    // The first request's upstream connection was idle in the gateway's pool when each of the others came.
    expect(await upstreamConnections()).toBe(before);
  });
});
