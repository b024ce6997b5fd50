/**
 * The gateway in front of an https upstream: `sidekey serve --upstream https://localhost:…` as its own process,
 * trusting the upstream's certificate through NODE_EXTRA_CA_CERTS as a deployment with a private CA would. The
 * upstream counts the TLS sessions requests reach it on: the gateway keeps them open and reuses them.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createBrand } from '../support/fixtures.js';
import { type RunningServer, startSidekey } from '../support/servers.js';
import { apiPath, issueToken, type Issued } from '../verify/helpers.js';

describe('gateway in front of an https upstream (sidekey serve --upstream https://…)', () => {
  let dir: string;
  let db: TestDatabase;
  let setup: Context;
  let upstream: https.Server;
  let gateway: RunningServer;
  let issued: Issued;
  const sessions = new WeakSet<TLSSocket>();
  let sessionCount = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sidekey-https-upstream-'));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    upstream = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      if (!sessions.has(req.socket as TLSSocket)) {
        sessions.add(req.socket as TLSSocket);
        sessionCount++;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `https://localhost:${(upstream.address() as { port: number }).port}`;

    db = await createTestDatabase('sqlite');
    const env = { DATA_DIR: db.dataDir, SIDEKEY_MASTER_KEY: randomBytes(32).toString('base64'), SIDEKEY_HASH_KEY: randomBytes(32).toString('base64') };
    setup = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    const brand = await createBrand(setup);
    issued = await issueToken(setup, brand, { scopes: ['listActions', 'updateActionOrItems'] });
    gateway = await startSidekey({ ...env, NODE_EXTRA_CA_CERTS: cert }, ['--upstream', upstreamUrl]);
  });
  afterAll(async () => {
    await gateway?.stop();
    await setup?.close();
    await db?.drop();
    await new Promise((resolve) => upstream?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('proxies requests over TLS, verifying the certificate for the upstream’s name, on one reused session', async () => {
    for (let i = 0; i < 5; i++) {
      const put = i % 2 === 1;
      const response = await fetch(`${gateway.url}${apiPath(issued.accountSid, '/Actions')}`, {
        method: put ? 'PUT' : 'GET',
        headers: { authorization: issued.authorization, ...(put ? { 'content-type': 'application/xml' } : {}) },
        body: put ? `<Action><Id>${i}</Id></Action>` : undefined,
      });
      expect(response.status).toBe(200);
      const echoed = await response.json();
      expect(echoed).toMatchObject({ method: put ? 'PUT' : 'GET', url: apiPath(issued.accountSid, '/Actions'), host: `localhost:${(upstream.address() as { port: number }).port}`, body: put ? `<Action><Id>${i}</Id></Action>` : '' });
    }
    expect(sessionCount).toBe(1);
  });
});
