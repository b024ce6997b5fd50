import { describe, expect, it } from 'vitest';
import { generateAccountSid, generateAuthToken } from '../../src/domain/credentials.js';
import { isWellFormed, parseAuthorization } from '../../src/verify/parser.js';
import { basic } from './helpers.js';

const sid = generateAccountSid('IR');
const token = generateAuthToken();

describe('credentials parser', () => {
  it('reads Basic base64(SID:Token), with any letter case of the scheme', () => {
    expect(parseAuthorization(basic(sid, token))).toEqual({ accountSid: sid, authToken: token });
    expect(parseAuthorization(basic(sid, token).replace('Basic', 'bAsIc'))).toEqual({ accountSid: sid, authToken: token });
  });

  it('reads Bearer SID:Token', () => {
    expect(parseAuthorization(`Bearer ${sid}:${token}`)).toEqual({ accountSid: sid, authToken: token });
  });

  it('refuses a missing header, other schemes, no colon, an empty SID and absurd lengths', () => {
    for (const header of [undefined, '', 'Basic', `Digest ${sid}:${token}`, `Basic ${Buffer.from(sid + token).toString('base64')}`, `Basic ${Buffer.from(`:${token}`).toString('base64')}`, `Bearer ${'x'.repeat(600)}`]) {
      expect(parseAuthorization(header)).toBeUndefined();
    }
  });

  it('accepts only well-formed SIDs and tokens whose checksum matches', () => {
    expect(isWellFormed({ accountSid: sid, authToken: token }, 'IR')).toBe(true);
    // One character changed in the random part: the CRC32 checksum no longer matches.
    const flipped = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
    expect(isWellFormed({ accountSid: sid, authToken: flipped }, 'IR')).toBe(false);
    expect(isWellFormed({ accountSid: sid, authToken: token.slice(0, -1) }, 'IR')).toBe(false);
    expect(isWellFormed({ accountSid: sid.replace('IR', 'XX'), authToken: token }, 'IR')).toBe(false);
    expect(isWellFormed({ accountSid: `${sid.slice(0, -1)}!`, authToken: token }, 'IR')).toBe(false);
  });
});
