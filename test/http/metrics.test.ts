import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFICATION_CODES } from '../../src/domain/verification-answers.js';
import { generateAuthToken } from '../../src/domain/credentials.js';
import { createBrand, TEST_PASSWORD, type Brand } from '../support/fixtures.js';
import { createHttpHarness, login, type HttpHarness } from '../support/http.js';
import { describeEachDialect } from '../support/databases.js';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../support/prometheus-text.js';
import { apiPath, basic, issueToken, type Issued } from '../verify/helpers.js';

const VERIFY_KEY = 'metrics-test-verify-key-0123456789';

describeEachDialect('GET /metrics', (dialect) => {
  let h: HttpHarness;
  let brand: Brand;
  let issued: Issued;
  beforeAll(async () => {
    h = await createHttpHarness(dialect, { config: { verifyKey: VERIFY_KEY } });
    brand = await createBrand(h.context);
    issued = await issueToken(h.context, brand, { scopes: ['listActions'] });
  });
  afterAll(() => h.close());

  const scrape = async () => {
    const response = await h.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-sidekey-verify-key': VERIFY_KEY } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(response.body);
  };
  const verify = (authToken: string, method = 'GET') =>
    h.app.inject({ method: 'POST', url: '/v1/verify', headers: { 'x-sidekey-verify-key': VERIFY_KEY }, payload: { accountSid: issued.accountSid, authToken, method, path: apiPath(issued.accountSid) } });
  const auth = (authToken: string) =>
    h.app.inject({ method: 'GET', url: '/v1/auth', headers: { 'x-sidekey-verify-key': VERIFY_KEY, authorization: basic(issued.accountSid, authToken), 'x-original-method': 'GET', 'x-original-uri': apiPath(issued.accountSid) } });

  /** Every entrance's counts by code, zeros left out. */
  const countsOf = (families: Map<string, MetricFamily>, entrance: string) =>
    Object.fromEntries(VERIFICATION_CODES.map((code) => [code, sampleValue(families, 'sidekey_verifications_total', { entrance, code })]).filter(([, count]) => count !== 0));

  it('counts each verification by entrance and code, exactly, and times each in cumulative buckets', async () => {
    const wrong = generateAuthToken();
    const sent = { verify: [await verify(issued.authToken), await verify(issued.authToken), await verify(wrong), await verify(issued.authToken, 'PUT')], auth: [await auth(issued.authToken), await auth(wrong), await auth(wrong)] };
    expect(sent.verify.map((r) => r.json().code)).toEqual(['ALLOWED', 'ALLOWED', 'INVALID_CREDENTIALS', 'INSUFFICIENT_SCOPE']);
    expect(sent.auth.map((r) => r.statusCode)).toEqual([200, 401, 401]);

    const families = await scrape();
    expect(families.get('sidekey_verifications_total')?.type).toBe('counter');
    expect(countsOf(families, 'verify')).toEqual({ ALLOWED: 2, INVALID_CREDENTIALS: 1, INSUFFICIENT_SCOPE: 1 });
    expect(countsOf(families, 'auth')).toEqual({ ALLOWED: 1, INVALID_CREDENTIALS: 2 });
    expect(countsOf(families, 'gateway')).toEqual({});

    const histogram = families.get('sidekey_verification_duration_seconds')!;
    expect(histogram.type).toBe('histogram');
    for (const [entrance, requests] of [['verify', 4], ['auth', 3], ['gateway', 0]] as const) {
      const buckets = histogram.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.entrance === entrance);
      const bounds = buckets.map((b) => (b.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(b.labels.le)));
      expect(bounds, 'bucket bounds ascend and end at +Inf').toEqual([...bounds].sort((a, b) => a - b));
      expect(bounds.at(-1)).toBe(Number.POSITIVE_INFINITY);
      for (const [i, bucket] of buckets.entries()) if (i > 0) expect(bucket.value, `${entrance} le=${bucket.labels.le}`).toBeGreaterThanOrEqual(buckets[i - 1].value);
      expect(buckets.at(-1)!.value).toBe(requests);
      expect(sampleValue(families, histogram.name, { entrance }, `${histogram.name}_count`)).toBe(requests);
    }
    // Seven well-formed credentials with the token's SID: each one a cache lookup, a hit or a miss.
    expect(sampleValue(families, 'sidekey_token_cache_lookups_total', { result: 'miss' }) + sampleValue(families, 'sidekey_token_cache_lookups_total', { result: 'hit' })).toBe(7);
    expect(sampleValue(families, 'sidekey_token_cache_entries', { kind: 'token' })).toBe(1);
  });

  it('counts management requests by route template and status, never by raw URL', async () => {
    const admin = await login(h.app, brand.emails.account_administrator, TEST_PASSWORD);
    const list = `/api/v1/accounts/${brand.accountId}/tokens`;
    expect((await admin.get(list)).statusCode).toBe(200);
    expect((await admin.get(list)).statusCode).toBe(200);
    expect((await admin.get(`${list}/tok_doesnotexist0000000`)).statusCode).toBe(404);

    const families = await scrape();
    const requests = families.get('sidekey_management_requests_total')!;
    expect(sampleValue(families, requests.name, { method: 'POST', route: '/api/v1/session', status: '200' })).toBe(1);
    expect(sampleValue(families, requests.name, { method: 'GET', route: '/api/v1/accounts/:accountId/tokens', status: '200' })).toBe(2);
    expect(sampleValue(families, requests.name, { method: 'GET', route: '/api/v1/accounts/:accountId/tokens/:tokenId', status: '404' })).toBe(1);
    expect(requests.samples.filter((s) => s.labels.route.includes(brand.accountId))).toEqual([]);
  });

  it('reports the change feed, usage, connections and the process', async () => {
    const families = await scrape();
    expect(sampleValue(families, 'sidekey_change_feed_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(families, 'sidekey_change_feed_staleness_bound_seconds')).toBe(h.context.config.maxStalenessMs / 1000);
    expect(sampleValue(families, 'sidekey_change_feed_sequence')).toBe(h.context.verification.tailer.sequence);
    expect(sampleValue(families, 'sidekey_usage_flush_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(families, 'sidekey_usage_pending', { kind: 'counters' })).toBeGreaterThanOrEqual(0);
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true);
    if (dialect === 'postgres') {
      expect(sampleValue(families, 'sidekey_database_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
      expect(sampleValue(families, 'sidekey_database_pool_waiting')).toBe(0);
      expect(sampleValue(families, 'sidekey_connection_up', { connection: 'postgres_notifications' })).toBe(1);
    } else {
      expect(families.has('sidekey_database_pool_connections')).toBe(false);
    }
  });

  it('refuses a scrape without the verify key, or with a wrong one', async () => {
    for (const headers of [{}, { 'x-sidekey-verify-key': 'wrong' }]) {
      const response = await h.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json().Code).toBe('VERIFY_KEY_INVALID');
    }
  });

  it('is not in the OpenAPI document', async () => {
    const document = (await h.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(Object.keys(document.paths)).not.toContain('/metrics');
  });
});

describe('GET /metrics without a verify key, and with METRICS=off', () => {
  it('without SIDEKEY_VERIFY_KEY answers this host only', async () => {
    const h = await createHttpHarness('sqlite');
    try {
      const local = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
      expect(local.statusCode).toBe(200);
      expect(parsePrometheusText(local.body).has('sidekey_verifications_total')).toBe(true);
      const remote = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
      expect(remote.statusCode).toBe(403);
      expect(remote.json().Code).toBe('FORBIDDEN');
    } finally {
      await h.close();
    }
  });

  it('with METRICS=off is an unknown route answered with the envelope, never the web UI', async () => {
    const h = await createHttpHarness('sqlite', { config: { metrics: 'off' } });
    try {
      const response = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1', headers: { accept: 'text/html' } });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json().Code).toBe('ROUTE_NOT_FOUND');
    } finally {
      await h.close();
    }
  });
});
