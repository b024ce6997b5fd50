/**
 * The request target, parsed once. Every check Sidekey makes on a request (the Account SID in the path, the
 * scope it needs, its per-endpoint rate limit, the API version it names) reads this one value, and the gateway
 * forwards its canonical form — so what was checked is what the upstream routes on.
 *
 * The rule: a target is accepted only when every server in front of or behind Sidekey (nginx, Caddy, Envoy,
 * Traefik, Fastify, Express, Spring, Rails, PHP, ASP.NET) must read it as the same sequence of path segments.
 * Anything some of them normalise differently is refused, never "fixed":
 *
 *   400 (not a valid origin-form target, RFC 9112 §3.2.1 / RFC 3986):
 *       no leading `/`, a raw `#`, `\`, space, control or non-ASCII character, or a malformed percent-escape;
 *       longer than MAX_REQUEST_TARGET_LENGTH.
 *   403 (valid, but read differently by some server):
 *       `;` anywhere (a matrix-parameter delimiter for Tomcat, Spring, Jetty and Fastify 4);
 *       an encoded `/ \ . % ; # ?`, an encoded control character or an encoded non-ASCII byte;
 *       `.` or `..` segments; empty segments (`//`, a trailing `/`);
 *       a `_method` query parameter (method override: the upstream would run another method than the one checked);
 *       the `IrVersion` query parameter more than once (servers disagree on which one counts).
 *
 * Percent-escapes of letters, digits, `-`, `_` and `~` are decoded (every server treats `%41` as `A`); every
 * other allowed escape is kept, written with upper-case hex. Letter case is left as sent: the route table
 * (domain/routes.ts) refuses a literal segment spelled in another case than the catalog's.
 */

/** Longer targets are refused (400). nginx's default large_client_header_buffers line is 8 KB. */
export const MAX_REQUEST_TARGET_LENGTH = 8192;

export interface RequestTarget {
  readonly refused: false;
  /** The path segments in canonical form (see the module comment); the root `/` has none. */
  readonly segments: readonly string[];
  /** `/` + the segments joined by `/`: the path every check used. */
  readonly path: string;
  /** The query string as sent, without its `?`; undefined when the target has none. */
  readonly query: string | undefined;
  /** The path and query the gateway forwards. */
  readonly canonical: string;
  /** The decoded value of the `IrVersion` query parameter (any letter case), when the query names it. */
  readonly versionParameter: string | undefined;
}

export interface TargetRefusal {
  readonly refused: true;
  readonly status: 400 | 403;
  /** What was refused and why, for the error envelope. */
  readonly reason: string;
}

export type ParsedTarget = RequestTarget | TargetRefusal;

const refuse = (status: 400 | 403, reason: string): TargetRefusal => ({ refused: true, status, reason });

// ---- character classes ------------------------------------------------------------------------------------

/** Allowed unencoded in a path segment: unreserved, sub-delims except `;`, `:` and `@`. */
const PATH_CHAR = 1;
/** Allowed unencoded in the query: every visible ASCII character except `#` and `;`. */
const QUERY_CHAR = 2;
/** An escape of this byte is decoded to the character itself. */
const DECODED_ESCAPE = 4;
/** An escape of this byte is kept as it is (upper-case hex). */
const KEPT_ESCAPE = 8;

const CLASS = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) CLASS[c] |= QUERY_CHAR | KEPT_ESCAPE;
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@") CLASS[c.charCodeAt(0)] |= PATH_CHAR;
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~') CLASS[c.charCodeAt(0)] = (CLASS[c.charCodeAt(0)] | DECODED_ESCAPE) & ~KEPT_ESCAPE;
CLASS[0x20] |= KEPT_ESCAPE; // %20, a space inside a parameter value
for (const c of './\\%;#?') CLASS[c.charCodeAt(0)] &= ~KEPT_ESCAPE;
for (const c of '#;') CLASS[c.charCodeAt(0)] &= ~QUERY_CHAR;

const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** The byte a `%XY` escape at `at` stands for, or -1 when it is not a well-formed escape. */
function escapedByte(text: string, at: number): number {
  if (at + 2 >= text.length) return -1;
  const high = hexValue(text.charCodeAt(at + 1));
  const low = hexValue(text.charCodeAt(at + 2));
  return high < 0 || low < 0 ? -1 : (high << 4) | low;
}

/** Why an unencoded character may not appear in a path (every answer is a refusal). */
function rawCharacterRefusal(code: number): TargetRefusal {
  if (code === 0x3b) return refuse(403, "The path contains ';', which some servers read as the start of matrix parameters.");
  if (code === 0x23) return refuse(400, "The path contains '#': a fragment is never part of a request target.");
  if (code === 0x5c) return refuse(400, "The path contains '\\', which some servers read as '/'.");
  if (code < 0x20 || code === 0x7f) return refuse(400, 'The path contains a control character.');
  if (code === 0x20) return refuse(400, 'The path contains a space.');
  if (code > 0x7f) return refuse(400, 'The path contains a non-ASCII character; percent-encoded non-ASCII is refused too.');
  return refuse(400, `The path contains '${String.fromCharCode(code)}', which must be percent-encoded.`);
}

function escapeRefusal(byte: number): TargetRefusal {
  if (byte === 0x2f) return refuse(403, "The path contains an encoded '/' (%2F).");
  if (byte === 0x5c) return refuse(403, "The path contains an encoded '\\' (%5C).");
  if (byte === 0x2e) return refuse(403, "The path contains an encoded '.' (%2E).");
  if (byte === 0x25) return refuse(403, "The path contains an encoded '%' (%25): double encoding.");
  if (byte < 0x20 || byte === 0x7f) return refuse(403, 'The path contains an encoded control character.');
  if (byte > 0x7f) return refuse(403, 'The path contains an encoded non-ASCII byte.');
  return refuse(403, `The path contains an encoded delimiter (%${HEX[byte >> 4]}${HEX[byte & 15]}).`);
}

// ---- the parser -------------------------------------------------------------------------------------------

/** Parses an origin-form request target (`/path?query`) into its canonical form, or says why it is refused. */
export function parseRequestTarget(raw: string): ParsedTarget {
  if (raw.length > MAX_REQUEST_TARGET_LENGTH) return refuse(400, `The request target is longer than ${MAX_REQUEST_TARGET_LENGTH} characters.`);
  if (raw.charCodeAt(0) !== 0x2f) return refuse(400, "The request target must be a path starting with '/'.");
  const queryAt = raw.indexOf('?');
  const pathEnd = queryAt < 0 ? raw.length : queryAt;

  const segments: string[] = [];
  let rewritten = false; // whether the canonical path differs from the one sent
  if (pathEnd > 1) {
    for (let start = 1; ; ) {
      let end = raw.indexOf('/', start);
      if (end < 0 || end > pathEnd) end = pathEnd;
      const segment = canonicalSegment(raw, start, end);
      if (typeof segment !== 'string') return segment;
      if (segment.length === 0) return refuse(403, "The path contains an empty segment ('//' or a trailing '/').");
      if (segment === '.' || segment === '..') return refuse(403, "The path contains a '.' or '..' segment.");
      if (segment.length !== end - start || (segment.includes('%') && segment !== raw.slice(start, end))) rewritten = true;
      segments.push(segment);
      if (end === pathEnd) break;
      start = end + 1;
    }
  }

  let query: string | undefined;
  let versionParameter: string | undefined;
  if (queryAt >= 0) {
    query = raw.slice(queryAt + 1);
    const checked = checkQuery(query);
    if (typeof checked !== 'string' && checked !== undefined) return checked;
    versionParameter = checked;
  }
  const path = rewritten ? `/${segments.join('/')}` : raw.slice(0, pathEnd);
  return { refused: false, segments, path, query, canonical: query === undefined ? path : `${path}?${query}`, versionParameter };
}

/** The segment from `start` to `end` (exclusive) in canonical form, or why it is refused. */
function canonicalSegment(raw: string, start: number, end: number): string | TargetRefusal {
  let escapes = false;
  for (let i = start; i < end; i++) {
    const code = raw.charCodeAt(i);
    if (code === 0x25) escapes = true;
    else if (code > 0x7f || (CLASS[code] & PATH_CHAR) === 0) return rawCharacterRefusal(code);
  }
  if (!escapes) return raw.slice(start, end);
  let out = '';
  for (let i = start; i < end; i++) {
    if (raw.charCodeAt(i) !== 0x25) {
      out += raw[i];
      continue;
    }
    const byte = i + 2 < end ? escapedByte(raw, i) : -1;
    if (byte < 0) return refuse(400, 'The path contains a malformed percent-escape.');
    const kind = byte > 0x7f ? 0 : CLASS[byte];
    if (kind & DECODED_ESCAPE) out += String.fromCharCode(byte);
    else if (kind & KEPT_ESCAPE) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
    else return escapeRefusal(byte);
    i += 2;
  }
  return out;
}

const VERSION_PARAMETER = 'irversion';
const METHOD_OVERRIDE_PARAMETER = '_method';

/**
 * Checks the query's characters and parameters; answers the IrVersion value (undefined when absent) or a
 * refusal. Parameter names are compared after decoding, in any letter case (`Ir%56ersion` is `IrVersion`).
 */
function checkQuery(query: string): string | undefined | TargetRefusal {
  let version: string | undefined;
  let seenVersion = false;
  let start = 0;
  for (let i = 0; i <= query.length; i++) {
    const code = i === query.length ? 0x26 : query.charCodeAt(i);
    if (code === 0x26 /* & */) {
      if (i > start) {
        const pair = query.slice(start, i);
        const eq = pair.indexOf('=');
        const name = decodeAscii(eq < 0 ? pair : pair.slice(0, eq))?.toLowerCase();
        if (name === VERSION_PARAMETER) {
          if (seenVersion) return refuse(403, 'The query names IrVersion more than once.');
          seenVersion = true;
          version = decodeValue(eq < 0 ? '' : pair.slice(eq + 1));
        } else if (name === METHOD_OVERRIDE_PARAMETER) {
          return refuse(403, 'The query carries a _method override parameter.');
        }
      }
      start = i + 1;
    } else if (code === 0x25) {
      if (escapedByte(query, i) < 0) return refuse(400, 'The query contains a malformed percent-escape.');
      i += 2;
    } else if (code > 0x7f || (CLASS[code] & QUERY_CHAR) === 0) {
      if (code === 0x3b) return refuse(403, "The query contains ';', which some servers read as a parameter separator.");
      if (code === 0x23) return refuse(400, "The query contains '#': a fragment is never part of a request target.");
      return refuse(400, 'The query contains a space, a control or a non-ASCII character.');
    }
  }
  return version;
}

/** A parameter name with its escapes decoded, or undefined when it decodes to anything but ASCII. */
function decodeAscii(text: string): string | undefined {
  if (!text.includes('%') && !text.includes('+')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const byte = escapedByte(text, i);
      if (byte < 0 || byte > 0x7f) return undefined;
      out += String.fromCharCode(byte);
      i += 2;
    } else out += code === 0x2b ? ' ' : text[i];
  }
  return out;
}

function decodeValue(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text; // not UTF-8: not a version, which the verifier reports as unsupported
  }
}

/** A piece of a client-sent path for a message: at most `max` characters, so refusals stay small. */
export function excerpt(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
