/** Small helpers shared by the verification tests: credentials headers, issuing tokens, a catalog, free ports. */
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { parseCatalog, type Catalog } from '../../src/domain/catalog.js';
import type { Context } from '../../src/app/context.js';
import type { TokenSettingsInput } from '../../src/domain/token.js';
import type { Brand } from '../support/fixtures.js';
import { randomBase62 } from '../../src/domain/credentials.js';
import { Verifier, type VerifierOptions } from '../../src/verify/verifier.js';
import { MemoryRateLimitStore } from '../../src/verify/rate-limit.js';

export const basic = (accountSid: string, authToken: string) => `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

export function brandCatalog(): Catalog {
  return parseCatalog(JSON.parse(readFileSync(new URL('../../catalog/brand.json', import.meta.url), 'utf8')));
}

export interface Issued {
  tokenId: string;
  accountSid: string;
  authToken: string;
  authorization: string;
}

export async function issueToken(context: Context, brand: Brand, settings: TokenSettingsInput = {}): Promise<Issued> {
  const { token, authToken } = await context.tokens.create(brand.admin, brand.accountId, { name: `Token ${randomBase62(5)}`, scopes: ['listActions', 'getActionById'], ...settings });
  return { tokenId: token.id, accountSid: token.accountSid, authToken, authorization: basic(token.accountSid, authToken) };
}

/** `/Advertisers/{sid}` + rest: the brand API's path shape. */
export const apiPath = (accountSid: string, rest = '/Actions') => `/Advertisers/${accountSid}${rest}`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A Redis key prefix of its own for each test run, so parallel runs on one Redis never share counters. */
export const uniqueRedisPrefix = (label: string) => `sidekey-test:${label}:${randomBase62(10)}:`;

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Removes a test run's keys (counters of fixed test clocks can otherwise live for a day). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}

/**
 * A verifier of the test's own beside the context's: the context's database, catalog, keys and change feed, a
 * memory rate-limit store, and the freshness, usage recorder, read deadline, loader and clock the test sets.
 */
export function ownVerifier(context: Context, options: Pick<VerifierOptions, 'freshness' | 'usage' | 'readDeadlineMs'> & Partial<VerifierOptions>): Verifier {
  return new Verifier({
    store: context.store,
    catalog: context.catalog,
    hashKey: context.keys.hashKey,
    sidPrefix: context.config.sidPrefix,
    changes: context.changes,
    rateLimits: new MemoryRateLimitStore(),
    ...options,
  });
}
