import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHttpHarness, type HttpHarness } from '../support/http.js';
import { describeEachDialect } from '../support/databases.js';
import { ROOT } from '../support/processes.js';

/** The public POSTs: sign-in, first-run setup and accepting an invite open a session; checking an invite reads one link. */
const PUBLIC_POSTS = ['/api/v1/session', '/api/v1/setup', '/api/v1/invite', '/api/v1/invite/check'];

describeEachDialect('OpenAPI document and docs', (dialect) => {
  let h: HttpHarness;
  let doc: {
    openapi: string;
    info: { description: string };
    servers: unknown[];
    components: { securitySchemes: Record<string, unknown> };
    paths: Record<string, Record<string, { operationId?: string; summary?: string; tags?: string[]; security?: unknown[]; responses?: Record<string, unknown> }>>;
  };
  beforeAll(async () => {
    h = await createHttpHarness(dialect);
    const response = await h.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    doc = response.json();
  });
  afterAll(() => h.close());

  it('is OpenAPI 3 and lists every /api/v1 route Fastify registered, with each method', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
      .sort();
    const registered = h.routes
      .filter((r) => r.url.startsWith('/api/v1/') && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(registered.length).toBeGreaterThanOrEqual(20);
    expect(documented).toEqual(registered);
  });

  it('each operation has an id, a summary, a tag, its security and its error responses, each the one shared envelope', () => {
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(op.summary, where).toBeTruthy();
        expect(op.tags?.length, where).toBeGreaterThan(0);
        expect(op.security, where).toBeInstanceOf(Array);
        expect(op.operationId, where).toBeTruthy();
        expect(ids.has(op.operationId!), `${where}: operationId ${op.operationId} used twice`).toBe(false);
        ids.add(op.operationId!);
        const errors = Object.entries(op.responses ?? {}).filter(([status]) => Number(status) >= 400 && path !== '/readyz');
        for (const [status, response] of errors) {
          expect((response as { content: Record<string, { schema: unknown }> }).content['application/json'].schema, `${where} ${status}`).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
        }
        // Every signed-in operation may meet bad input, an ended session and a late database; public ones never answer 401.
        if (path.startsWith('/api/v1/') && (op.security?.length ?? 0) > 0) {
          expect(Object.keys(op.responses ?? {}), where).toEqual(expect.arrayContaining(['400', '401', '503']));
        }
      }
    }
  });

  it('declares its server, the four security schemes, and the CSRF header on every signed-in mutation', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.components.securitySchemes).toMatchObject({
      session: { type: 'apiKey', in: 'cookie', name: 'sidekey_session' },
      csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
      apiClient: { type: 'http', scheme: 'basic' },
      verifyKey: { type: 'apiKey', in: 'header', name: 'X-Sidekey-Verify-Key' },
    });
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/'))) {
      for (const [method, op] of Object.entries(ops).filter(([m]) => m !== 'get')) {
        const isPublic = method === 'post' && PUBLIC_POSTS.includes(path);
        expect(op.security, `${method} ${path}`).toEqual(isPublic ? [] : [{ session: [], csrf: [] }]);
      }
    }
    expect(doc.info.description).toContain('GET /api/v1/session/csrf');
  });

  it('never documents a secret hash or ciphertext in any response', () => {
    const text = JSON.stringify(doc);
    for (const word of ['secretHash', 'secret_hash', 'secretCiphertext', 'ciphertext', 'previousSecretHash', 'passwordHash', 'password_hash']) expect(text).not.toContain(word);
  });

  it('/api/docs serves the interactive documentation', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/api/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toMatch(/swagger/i);
    const initializer = await h.app.inject({ method: 'GET', url: '/api/docs/static/swagger-initializer.js' });
    expect(initializer.statusCode).toBe(200);
    // Sidekey's name, icon and logo, not the stock Swagger UI ones.
    expect(response.body).toContain('<title>Sidekey API</title>');
    expect(response.body).toMatch(/<link rel="icon" type="image\/svg\+xml" href="[^"]*\/theme\/favicon\.svg"/);
    expect(response.body).not.toMatch(/favicon-32x32\.png/);
    const logo = Buffer.from(/img\.src = 'data:image\/svg\+xml;base64,([^']+)'/.exec(initializer.body)?.[1] ?? '', 'base64').toString('utf8');
    expect(logo).toContain('Sidekey API');
    const favicon = await h.app.inject({ method: 'GET', url: '/api/docs/static/theme/favicon.svg' });
    expect(favicon.statusCode).toBe(200);
    // The same icon as the web UI's.
    expect(favicon.body.trim()).toBe(readFileSync(join(ROOT, 'web', 'public', 'favicon.svg'), 'utf8').trim());
  });
});
