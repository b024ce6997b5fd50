/**
 * The web UI as a browser and a cache see it (src/http/web-ui.ts): each file in the best encoding the client
 * accepts, with `Vary: Accept-Encoding`; hashed assets cached for a year, index.html and deep links revalidated;
 * a missing asset is the 404 envelope, and no path, however encoded, reads a file outside the build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST, buildApp } from '../../src/http/app.js';
import { IMMUTABLE, REVALIDATE, negotiateEncoding } from '../../src/http/web-ui.js';
import { createTestContext, type TestContext } from '../support/databases.js';
import { ensureWebBuilt } from '../e2e/support/server.js';

describe('Accept-Encoding negotiation', () => {
  const both = ['br', 'gzip'] as const;
  it('prefers brotli, then gzip, and honours quality values and q=0 refusals', () => {
    expect(negotiateEncoding('gzip, deflate, br, zstd', both)).toBe('br');
    expect(negotiateEncoding('gzip', both)).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip', both)).toBe('gzip');
    expect(negotiateEncoding('br;q=0.5, gzip;q=0.8', both)).toBe('gzip');
    expect(negotiateEncoding('GZIP;Q=1, BR;q=1', both)).toBe('br');
    expect(negotiateEncoding('*', both)).toBe('br');
    expect(negotiateEncoding('*, br;q=0', both)).toBe('gzip');
    expect(negotiateEncoding('*;q=0', both)).toBeNull();
  });
  it('answers with the file itself when nothing acceptable was built', () => {
    expect(negotiateEncoding(undefined, both)).toBeNull();
    expect(negotiateEncoding('', both)).toBeNull();
    expect(negotiateEncoding('identity', both)).toBeNull();
    expect(negotiateEncoding('deflate, zstd', both)).toBeNull();
    expect(negotiateEncoding('br, gzip', [])).toBeNull();
    expect(negotiateEncoding('br', ['gzip'])).toBeNull();
  });
});

describe('the built web UI over HTTP', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let script: string;
  let index: Buffer;
  beforeAll(async () => {
    await ensureWebBuilt();
    t = await createTestContext('sqlite');
    app = await buildApp(t.context);
    const assets = readdirSync(`${WEB_DIST}assets`);
    // A script the build has written a brotli and a gzip copy of.
    script = assets.filter((name) => name.endsWith('.js') && assets.includes(`${name}.br`) && assets.includes(`${name}.gz`))[0]!;
    index = readFileSync(`${WEB_DIST}index.html`);
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('sends a hashed asset compressed as the browser accepts, the same bytes either way, cached for a year', async () => {
    const original = readFileSync(`${WEB_DIST}assets/${script}`);
    const url = `/assets/${script}`;
    const brotli = await get(url, { 'accept-encoding': 'gzip, deflate, br' });
    const gzip = await get(url, { 'accept-encoding': 'gzip' });
    const plain = await get(url);
    for (const [answer, encoding] of [[brotli, 'br'], [gzip, 'gzip'], [plain, undefined]] as const) {
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(answer.headers['content-encoding']).toBe(encoding);
      expect(answer.headers.vary).toBe('Accept-Encoding');
      expect(answer.headers['cache-control']).toBe(IMMUTABLE);
    }
    expect(brotliDecompressSync(brotli.rawPayload).equals(original)).toBe(true);
    expect(gunzipSync(gzip.rawPayload).equals(original)).toBe(true);
    expect(plain.rawPayload.equals(original)).toBe(true);
    expect(brotli.rawPayload.length).toBeLessThan(original.length / 2);
    // One ETag per representation, so no cache hands brotli bytes to a client that asked for gzip.
    expect(new Set([brotli.headers.etag, gzip.headers.etag, plain.headers.etag]).size).toBe(3);
  });

  it('answers HEAD like GET without a body', async () => {
    const head = await app.inject({ method: 'HEAD', url: `/assets/${script}`, headers: { 'accept-encoding': 'br' } });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.headers['cache-control']).toBe(IMMUTABLE);
    expect(head.rawPayload.length).toBe(0);
  });

  it('serves index.html at / and for every deep link, revalidated on each use', async () => {
    for (const url of ['/', '/index.html', '/login', '/accounts/acc_x/settings/api', '/accounts/acc_x/settings/api/tokens/tok_y/activity?from=list']) {
      const answer = await get(url);
      expect(answer.statusCode, url).toBe(200);
      expect(answer.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(answer.headers['cache-control'], url).toBe(REVALIDATE);
      expect(answer.rawPayload.equals(index), url).toBe(true);
    }
  });

  it('answers a revalidation of an unchanged file with 304 and no body', async () => {
    const first = await get('/accounts/acc_x/settings');
    const again = await get('/accounts/acc_x/settings', { 'if-none-match': String(first.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    expect((await get('/favicon.svg', { 'if-none-match': '"something-else"' })).statusCode).toBe(200);
  });

  it('answers a missing asset with the 404 envelope, never the app', async () => {
    for (const url of ['/assets/index-00000000.js', `/assets/${script}.br`, '/assets/']) {
      const answer = await get(url);
      expect(answer.statusCode, url).toBe(404);
      expect(answer.json(), url).toMatchObject({ Status: 'ERROR', Code: 'ROUTE_NOT_FOUND' });
    }
  });

  it('never reads a file outside the build, however the path is spelled', async () => {
    const secrets = [readFileSync(new URL('../../package.json', import.meta.url)), readFileSync('/etc/passwd')].map((b) => b.toString().slice(0, 40));
    const attempts = [
      '/../package.json',
      '/assets/../../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%5c..%5cpackage.json',
      '/assets/....//....//package.json',
      '/web/dist/../../package.json',
      '/assets/%252e%252e%252fpackage.json',
      '/assets/%00../package.json',
    ];
    for (const url of attempts) {
      const answer = await get(url);
      const body = answer.body;
      for (const secret of secrets) expect(body.includes(secret), url).toBe(false);
      // Either the envelope (an /assets/ path) or the app's index.html (a deep link), nothing else.
      if (answer.statusCode === 200) expect(answer.rawPayload.equals(index), url).toBe(true);
      else expect(answer.statusCode, url).toBeGreaterThanOrEqual(400);
    }
  });
});
