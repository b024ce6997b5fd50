/**
 * Which request a forward-auth call asks about. Each proxy writes the original method and target into one pair
 * of headers of its own, and copies (some of) the client's headers alongside: so Sidekey trusts exactly the
 * pair that the configured proxy sets, and refuses a call that carries any other pair — a client could have
 * put it there. There is no fallback from one pair to another.
 *
 *   nginx    X-Original-Method + X-Original-URI   (set by `proxy_set_header` in the auth location)
 *   traefik  X-Forwarded-Method + X-Forwarded-Uri (ForwardAuth sets both itself)
 *   caddy    X-Forwarded-Method + X-Forwarded-Uri (forward_auth sets both itself)
 *   envoy    the auth request's own method, and its path after the /v1/auth prefix (ext_authz path_prefix)
 */
export const FORWARD_AUTH_STYLES = ['nginx', 'traefik', 'caddy', 'envoy'] as const;
export type ForwardAuthStyle = (typeof FORWARD_AUTH_STYLES)[number];

interface HeaderPair {
  method: string;
  uri: string;
}

const ORIGINAL: HeaderPair = { method: 'x-original-method', uri: 'x-original-uri' };
const FORWARDED: HeaderPair = { method: 'x-forwarded-method', uri: 'x-forwarded-uri' };
const PAIR_OF_STYLE: Record<ForwardAuthStyle, HeaderPair | undefined> = { nginx: ORIGINAL, traefik: FORWARDED, caddy: FORWARDED, envoy: undefined };
/** One method token (two headers joined by Node into "GET, PUT" are not one). */
const METHOD = /^[A-Za-z]{1,16}$/;
const ALL_NAMES = [ORIGINAL.method, ORIGINAL.uri, FORWARDED.method, FORWARDED.uri];

/** The header names (as the docs write them) that a style reads, for messages and the OpenAPI document. */
export function headerNamesOf(style: ForwardAuthStyle): { method: string; uri: string } | undefined {
  const pair = PAIR_OF_STYLE[style];
  if (!pair) return undefined;
  return pair === ORIGINAL ? { method: 'X-Original-Method', uri: 'X-Original-URI' } : { method: 'X-Forwarded-Method', uri: 'X-Forwarded-Uri' };
}

export type ForwardAuthRefusalCode = 'FORWARD_AUTH_HEADERS_MISSING' | 'FORWARD_AUTH_HEADERS_CONFLICT';

export type OriginalRequest =
  | { ok: true; method: string; target: string }
  | { ok: false; code: ForwardAuthRefusalCode; field: string; message: string };

export interface AuthCall {
  /** Lower-case header names to values, as Node gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The auth request's own method. */
  method: string;
  /** The auth request's path after `/v1/auth`, when it has one (`/v1/auth/Advertisers/…`). */
  pathAfterPrefix: string | undefined;
}

/** The original method and target of a forward-auth call, read the one way `style` allows. */
export function originalRequest(style: ForwardAuthStyle, call: AuthCall): OriginalRequest {
  const pair = PAIR_OF_STYLE[style];
  for (const name of ALL_NAMES) {
    if (call.headers[name] !== undefined && (pair === undefined || (name !== pair.method && name !== pair.uri))) {
      return { ok: false, code: 'FORWARD_AUTH_HEADERS_CONFLICT', field: name, message: `Sidekey is configured for ${style} (SIDEKEY_FORWARD_AUTH), which does not send ${name}: a client may have set it.` };
    }
  }
  if (pair === undefined) {
    if (call.pathAfterPrefix === undefined) return { ok: false, code: 'FORWARD_AUTH_HEADERS_MISSING', field: 'path', message: 'Envoy style needs the original path after /v1/auth (ext_authz path_prefix: /v1/auth).' };
    return { ok: true, method: call.method, target: call.pathAfterPrefix };
  }
  const names = headerNamesOf(style)!;
  const method = call.headers[pair.method];
  const target = call.headers[pair.uri];
  if (typeof target !== 'string') return { ok: false, code: 'FORWARD_AUTH_HEADERS_MISSING', field: names.uri, message: `${style} style needs ${names.uri}, exactly once.` };
  if (typeof method !== 'string' || !METHOD.test(method)) return { ok: false, code: 'FORWARD_AUTH_HEADERS_MISSING', field: names.method, message: `${style} style needs ${names.method}: one HTTP method, exactly once.` };
  return { ok: true, method, target };
}
