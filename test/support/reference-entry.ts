/**
 * The reference for the verifier's compact cache entry (src/verify/entry.ts): every fact a decision reads,
 * each in a field of its own, made from the stored token the plain way, with the memo kept beside the hash.
 * test/verify/compact-entry.test.ts holds the two equal over generated tokens and requests.
 */
import type { Catalog } from '../../src/domain/catalog.js';
import { type Cidr, parseCidr } from '../../src/domain/cidr.js';
import type { RateBucket, TokenFacts } from '../../src/verify/entry.js';
import type { VerifiableToken } from '../../src/verify/repository.js';

export interface ReferenceEntry extends TokenFacts, RateBucket {
  acceptedAuthToken: string | undefined;
}

const latin1 = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');

export function referenceEntry(row: VerifiableToken, catalog: Catalog): ReferenceEntry {
  const rule = row.rateLimit ?? catalog.defaultRateLimit;
  return {
    id: row.id,
    accountId: row.accountId,
    accountSid: row.accountSid,
    name: row.name,
    kind: row.kind,
    apiVersion: row.apiVersion,
    scopes: [...row.scopes],
    scopeSet: row.scopes.length > 16 ? new Set(row.scopes) : undefined,
    state: row.state,
    expiresAt: row.expiresAt,
    notBefore: row.notBefore,
    allowedCidrs: row.allowedCidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined),
    apiAccessEnabled: row.apiAccessEnabled,
    secretHash: latin1(row.secretHash),
    acceptedAuthToken: undefined,
    previousSecretHash: row.previousSecretHash ? latin1(row.previousSecretHash) : null,
    previousSecretExpiresAt: row.previousSecretExpiresAt ?? 0,
    key: row.id,
    tokenId: row.id,
    limit: rule.limit,
    windowSeconds: rule.windowSeconds,
  };
}
