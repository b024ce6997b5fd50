import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHttpHarness, type HttpHarness } from '../support/http.js';
import { describeEachDialect } from '../support/databases.js';

describeEachDialect('OpenAPI document and docs', (dialect) => {
  let h: HttpHarness;
  let doc: { openapi: string; paths: Record<string, Record<string, { summary?: string; tags?: string[]; responses?: Record<string, unknown> }>> };
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

  it('each operation has a summary, a tag and its error responses (the public catalog cannot fail)', () => {
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/') && p !== '/api/v1/catalog')) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
        expect(Object.keys(op.responses ?? {}), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '403', '404']));
      }
    }
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
  });
});
