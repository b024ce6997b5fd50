import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HOP_BY_HOP,
  SIDEKEY_COOKIE_PREFIX,
  canonicalContentLength,
  connectionListed,
  connectionRefusal,
  neverForwarded,
  normalisedHeaderName,
  requestRefusal,
  withoutSidekeyCookies,
} from '../../src/domain/forwarding.js';
import { SESSION_COOKIE } from '../../src/http/management/session.js';
import { identityHeaders } from '../../src/http/verification/answers.js';
import type { VerificationResult } from '../../src/verify/verifier.js';

/** Every way a client can spell a header name that CGI-style servers read as the same one. */
const spellings = (name: string) => [name, name.toUpperCase(), name.replaceAll('-', '_'), name.replaceAll('-', '_').toUpperCase(), name.replace('-', '_')].map((n) => n.toLowerCase());

describe('which request headers never reach the upstream', () => {
  it('the credentials, Proxy and the method overrides, in every spelling', () => {
    for (const name of ['authorization', 'proxy-authorization', 'proxy', 'x-http-method-override', 'x-http-method', 'x-method-override']) {
      for (const spelling of spellings(name)) expect(neverForwarded(spelling), spelling).toBe(true);
    }
  });

  it('any header whose name normalises to x-sidekey-…, the identity headers the gateway sets included', () => {
    const identity = Object.keys(identityHeaders({ token: { accountId: 'a', id: 't', accountSid: 's', apiVersion: 14 } } as VerificationResult));
    for (const name of [...identity, 'x-sidekey-verify-key', 'x-sidekey-anything']) {
      for (const spelling of spellings(name)) expect(neverForwarded(spelling), spelling).toBe(true);
    }
    expect(neverForwarded('x_sidekey-account_id')).toBe(true);
  });

  it('underscore spellings of the framing, Host, hop-by-hop, IR-Version and X-Forwarded-* headers; their real spelling is the proxy’s to handle', () => {
    for (const name of ['content-length', 'transfer-encoding', 'ir-version', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'proxy-connection', 'keep-alive']) {
      expect(neverForwarded(name.replaceAll('-', '_')), name).toBe(true);
      expect(neverForwarded(name), name).toBe(false);
    }
  });

  it("an application's own headers pass, underscores and all", () => {
    for (const name of ['content-type', 'accept', 'ir-version', 'x-request-id', 'x_custom_header', 'cookie', 'user-agent', 'x-sidekeyish']) expect(neverForwarded(name), name).toBe(false);
  });

  it('normalising is lower case (the caller’s) and _ → -', () => {
    expect(normalisedHeaderName('x_sidekey_account_id')).toBe('x-sidekey-account-id');
    const plain = 'content-type';
    expect(normalisedHeaderName(plain)).toBe(plain);
  });
});

describe('Connection', () => {
  it('lists header names in lower case, without close and keep-alive', () => {
    expect(connectionListed(undefined)).toEqual([]);
    expect(connectionListed('keep-alive')).toEqual([]);
    expect(connectionListed('Close')).toEqual([]);
    expect(connectionListed('Keep-Alive, X-Hop ,, TE, close')).toEqual(['x-hop', 'te']);
  });

  it('a true hop-by-hop extension may be named there, and so may the standard hop-by-hop headers', () => {
    for (const listed of ['x-hop', 'te', 'upgrade', 'trailer', 'cookie', 'x-http-method-override']) expect(connectionRefusal([listed]), listed).toBeUndefined();
  });

  it('naming Content-Length, Transfer-Encoding, Host, the credentials, IR-Version, X-Forwarded-* or any spelling of X-Sidekey-* is a 400', () => {
    const owned = ['content-length', 'transfer-encoding', 'host', 'authorization', 'proxy-authorization', 'ir-version', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-sidekey-account-id', 'x-sidekey-anything'];
    for (const name of owned) {
      for (const spelling of spellings(name)) {
        expect(connectionRefusal(connectionListed(`keep-alive, ${spelling}`)), spelling).toMatchObject({ status: 400, code: 'FRAMING_REFUSED', field: 'Connection', closesConnection: true });
      }
    }
  });
});

describe('framing and features the parser lets through', () => {
  const head = (headers: Record<string, string>, httpVersion = '1.1') => ({ httpVersion, headers });

  it('Transfer-Encoding passes only as one chunked coding, in any case', () => {
    for (const value of ['chunked', 'Chunked', 'CHUNKED']) expect(requestRefusal(head({ 'transfer-encoding': value })), value).toBeUndefined();
    expect(requestRefusal(head({}))).toBeUndefined();
  });

  it('an empty list element, a repeated or misplaced chunked is a framing refusal; other codings are not supported', () => {
    for (const value of [',chunked', 'chunked,', 'chunked, chunked', 'chunked, gzip', 'identity', ' , chunked']) {
      expect(requestRefusal(head({ 'transfer-encoding': value })), value).toMatchObject({ status: 400, code: 'FRAMING_REFUSED', field: 'Transfer-Encoding', closesConnection: true });
    }
    for (const value of ['gzip, chunked', 'deflate, chunked', 'gzip,chunked']) {
      expect(requestRefusal(head({ 'transfer-encoding': value })), value).toMatchObject({ status: 501, code: 'UNSUPPORTED_BY_GATEWAY', field: 'Transfer-Encoding', closesConnection: false });
    }
  });

  it('HTTP/1.0 with Transfer-Encoding is faulty framing', () => {
    expect(requestRefusal(head({ 'transfer-encoding': 'chunked' }, '1.0'))).toMatchObject({ status: 400, code: 'FRAMING_REFUSED', closesConnection: true });
  });

  it('Upgrade (ending the connection) and a declared Trailer are refused; Expect is 417 in HTTP/1.1 and ignored in HTTP/1.0', () => {
    expect(requestRefusal(head({ upgrade: 'websocket' }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_BY_GATEWAY', field: 'Upgrade', closesConnection: true });
    expect(requestRefusal(head({ trailer: 'X-Checksum' }))).toMatchObject({ status: 400, code: 'UNSUPPORTED_BY_GATEWAY', field: 'Trailer', closesConnection: false });
    expect(requestRefusal(head({ expect: '100-continue' }))).toMatchObject({ status: 417, code: 'UNSUPPORTED_BY_GATEWAY', field: 'Expect', closesConnection: false });
    expect(requestRefusal(head({ expect: '100-continue' }, '1.0'))).toBeUndefined();
  });

  it('a Content-Length is forwarded without leading zeros, and means the same number', () => {
    expect(canonicalContentLength('0')).toBe('0');
    expect(canonicalContentLength('000')).toBe('0');
    expect(canonicalContentLength('007')).toBe('7');
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,15}$/), (digits) => {
        const canonical = canonicalContentLength(digits);
        expect(Number(canonical)).toBe(Number(digits));
        expect(canonical === '0' || !canonical.startsWith('0')).toBe(true);
      }),
    );
  });
});

describe("Sidekey's cookies", () => {
  it('the session cookie is one of them', () => {
    expect(SESSION_COOKIE.startsWith(SIDEKEY_COOKIE_PREFIX)).toBe(true);
  });

  it('are removed from a Cookie value; the other cookies stay, in order', () => {
    expect(withoutSidekeyCookies('theme=dark; cart=42')).toBe('theme=dark; cart=42');
    expect(withoutSidekeyCookies(`theme=dark; ${SESSION_COOKIE}=abc; cart=42`)).toBe('theme=dark; cart=42');
    expect(withoutSidekeyCookies(`${SESSION_COOKIE}=abc;sidekey_csrf=x;  Sidekey_Other=y;lang=en`)).toBe('lang=en');
    expect(withoutSidekeyCookies(`${SESSION_COOKIE}=abc`)).toBeUndefined();
    // Only the name decides: a value mentioning sidekey_ is the client's.
    expect(withoutSidekeyCookies('note=sidekey_session; mysidekey_x=1')).toBe('note=sidekey_session; mysidekey_x=1');
  });
});

it('hop-by-hop headers include the framing one, Transfer-Encoding, and Connection itself', () => {
  for (const name of ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']) expect(HOP_BY_HOP.has(name), name).toBe(true);
});
