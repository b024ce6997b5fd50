/**
 * What the gateway forwards to the upstream, and what it refuses: pure rules over request header names
 * (lower case, as the proxy reads them) and values. The proxy applies them in one pass over the raw headers.
 *
 * A header name is also read in its normalised spelling — lower case, `_` → `-` — because that is how CGI,
 * PHP, Rack and WSGI servers see it (`X_Sidekey_Account_Id` is their `HTTP_X_SIDEKEY_ACCOUNT_ID`).
 */

export type ForwardingRefusalCode =
  /** The request's framing is ambiguous, or would be changed on the way. */
  | 'FRAMING_REFUSED'
  /** A feature the gateway does not proxy (protocol upgrades, expectations, trailers, transfer codings). */
  | 'UNSUPPORTED_BY_GATEWAY';

export interface ForwardingRefusal {
  status: 400 | 417 | 501;
  code: ForwardingRefusalCode;
  /** The header at fault, as the envelope's Errors[0].Field. */
  field: string;
  message: string;
  /**
   * Whether the connection ends with the answer: after ambiguous framing nothing more on it is trusted, and
   * after an upgrade request node:http parses nothing more on it.
   */
  closesConnection: boolean;
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1, with the pre-standard Keep-Alive and Proxy-Connection): they describe
 * one connection and are never forwarded, in either direction.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** The prefix of the identity headers the gateway sets; a client-sent header of that prefix never passes. */
const SIDEKEY_HEADER_PREFIX = 'x-sidekey-';

/** Cookies of Sidekey's own origin (the management session, `sidekey_session`, and any other `sidekey_…`). */
export const SIDEKEY_COOKIE_PREFIX = 'sidekey_';

/**
 * Headers the upstream must read as the gateway wrote or checked them: the framing, Host, the credentials,
 * the API version the verifier checked, and the X-Forwarded-* the gateway sets. None of them may be removed as
 * hop-by-hop, and no spelling with `_` of them is forwarded.
 */
const GATEWAY_OWNED = new Set(['content-length', 'transfer-encoding', 'host', 'authorization', 'proxy-authorization', 'ir-version', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

/**
 * Request headers never forwarded: the credentials (the upstream gets the identity instead), `Proxy` (which
 * CGI servers turn into HTTP_PROXY, "httpoxy"), and the method-override headers, because the verifier checks
 * the request's own method and the upstream must serve that one.
 */
const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'];
const NEVER_FORWARDED = new Set(['authorization', 'proxy-authorization', 'proxy', ...METHOD_OVERRIDE_HEADERS]);

/**
 * The method-override header a request carries, in any spelling, if any. Forward auth refuses such a request:
 * the proxy in front forwards it, and the upstream would run another method than the one checked.
 */
export function methodOverrideHeader(names: Iterable<string>): string | undefined {
  for (const name of names) if (METHOD_OVERRIDE_HEADERS.includes(normalisedHeaderName(name))) return name;
  return undefined;
}

const UNDERSCORE = /_/g;

/** A header name as CGI-style servers read it: lower case (the caller's), `_` → `-`. */
export const normalisedHeaderName = (name: string) => (name.includes('_') ? name.replace(UNDERSCORE, '-') : name);

const isSidekeyHeader = (normalised: string) => normalised.startsWith(SIDEKEY_HEADER_PREFIX);

/**
 * Whether a client request header (lower-case name) is kept from the upstream: the credentials, `Proxy`,
 * method overrides and any `X-Sidekey-*`, in every spelling, and any `_` spelling of a hop-by-hop or
 * gateway-owned header.
 */
export function neverForwarded(name: string): boolean {
  const normalised = normalisedHeaderName(name);
  if (NEVER_FORWARDED.has(normalised) || isSidekeyHeader(normalised)) return true;
  return normalised !== name && (GATEWAY_OWNED.has(normalised) || HOP_BY_HOP.has(normalised));
}

const NOTHING_LISTED: readonly string[] = [];

/**
 * The header names a Connection value lists (lower case), without `close` and `keep-alive`, which are
 * connection options rather than names.
 */
export function connectionListed(value: string | undefined): readonly string[] {
  if (value === undefined) return NOTHING_LISTED;
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return NOTHING_LISTED;
  let names: string[] | undefined;
  for (const part of lower.split(',')) {
    const name = part.trim();
    if (name === '' || name === 'close' || name === 'keep-alive') continue;
    names ??= [];
    names.push(name);
  }
  return names ?? NOTHING_LISTED;
}

/**
 * A header named in Connection is removed before forwarding, so only a true hop-by-hop extension may be named
 * there: naming the framing, Host, the credentials, the checked version, X-Forwarded-* or any spelling of
 * X-Sidekey-* would let a client change what the upstream reads.
 */
export function connectionRefusal(listed: readonly string[]): ForwardingRefusal | undefined {
  for (const name of listed) {
    const normalised = normalisedHeaderName(name);
    if (GATEWAY_OWNED.has(normalised) || isSidekeyHeader(normalised)) {
      return { status: 400, code: 'FRAMING_REFUSED', closesConnection: true, field: 'Connection', message: `"${name}" may not be named in Connection: the gateway forwards it as it was checked, it is not a hop-by-hop header.` };
    }
  }
  return undefined;
}

/** The request facts the framing rules read: node:http's parsed head (duplicate fields joined with ", "). */
export interface RequestHead {
  httpVersion: string;
  headers: { 'transfer-encoding'?: string; upgrade?: string; trailer?: string; expect?: string };
}

/**
 * Framing node:http's parser accepts but the gateway does not forward as is, and the features it does not
 * proxy. The parser (llhttp, strict) has already refused CL+TE, two Content-Lengths, a Transfer-Encoding that
 * does not end in chunked or names it twice, obs-fold, whitespace before a colon, bare LF and bad chunk sizes.
 */
export function requestRefusal(head: RequestHead): ForwardingRefusal | undefined {
  const { headers } = head;
  const transferEncoding = headers['transfer-encoding'];
  if (transferEncoding !== undefined) {
    const refusal = transferEncodingRefusal(transferEncoding, head.httpVersion);
    if (refusal) return refusal;
  }
  if (headers.upgrade !== undefined) {
    return { status: 400, code: 'UNSUPPORTED_BY_GATEWAY', closesConnection: true, field: 'Upgrade', message: 'The gateway does not proxy protocol upgrades (WebSocket, h2c): send plain HTTP/1.1 requests.' };
  }
  if (headers.trailer !== undefined) {
    return { status: 400, code: 'UNSUPPORTED_BY_GATEWAY', closesConnection: false, field: 'Trailer', message: 'The gateway does not forward trailer fields: send them as headers.' };
  }
  // An HTTP/1.0 expectation is ignored (RFC 9110 §10.1.1); the header itself is never forwarded.
  if (headers.expect !== undefined && head.httpVersion !== '1.0') {
    return { status: 417, code: 'UNSUPPORTED_BY_GATEWAY', closesConnection: false, field: 'Expect', message: 'The gateway does not support Expect: send the request without it.' };
  }
  return undefined;
}

/** Transfer-Encoding is forwarded only as one `chunked`; the body is re-chunked on the way. */
function transferEncodingRefusal(value: string, httpVersion: string): ForwardingRefusal | undefined {
  if (httpVersion === '1.0') {
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    return { status: 400, code: 'FRAMING_REFUSED', closesConnection: true, field: 'Transfer-Encoding', message: 'An HTTP/1.0 request may not use Transfer-Encoding.' };
  }
  if (value === 'chunked' || value.toLowerCase() === 'chunked') return undefined;
  const codings = value.toLowerCase().split(',').map((coding) => coding.trim());
  if (codings.includes('') || codings.indexOf('chunked') !== codings.length - 1) {
    return { status: 400, code: 'FRAMING_REFUSED', closesConnection: true, field: 'Transfer-Encoding', message: `Transfer-Encoding "${value}" is not one chunked coding.` };
  }
  return { status: 501, code: 'UNSUPPORTED_BY_GATEWAY', closesConnection: false, field: 'Transfer-Encoding', message: `The gateway forwards chunked bodies only, without other transfer codings ("${value}"): use Content-Encoding instead.` };
}

/** More than one Host field: which one names the target is ambiguous (RFC 9112 §3.2). */
export const MORE_THAN_ONE_HOST: ForwardingRefusal = { status: 400, code: 'FRAMING_REFUSED', closesConnection: true, field: 'Host', message: 'A request may carry only one Host field.' };

const LEADING_ZEROS = /^0+(?=\d)/;

/** A Content-Length the parser accepted (digits only), without leading zeros. */
export const canonicalContentLength = (value: string) => (value.length > 1 && value.charCodeAt(0) === 48 /* 0 */ ? value.replace(LEADING_ZEROS, '') : value);

const SIDEKEY_COOKIE = /sidekey_/i;

/**
 * A Cookie value without Sidekey's cookies (any name starting `sidekey_`, in any case); the client's other
 * cookies stay, in their order. Undefined when none is left.
 */
export function withoutSidekeyCookies(cookie: string): string | undefined {
  if (!SIDEKEY_COOKIE.test(cookie)) return cookie;
  const kept: string[] = [];
  for (const part of cookie.split(';')) {
    const pair = part.trim();
    if (pair !== '' && pair.slice(0, SIDEKEY_COOKIE_PREFIX.length).toLowerCase() !== SIDEKEY_COOKIE_PREFIX) kept.push(pair);
  }
  return kept.length > 0 ? kept.join('; ') : undefined;
}
