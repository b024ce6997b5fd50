/**
 * Log configuration. Secrets must never reach a log line, at any level:
 * - requests are logged as method, path (secret-looking query values masked), host and address: no headers, no body;
 * - errors as type, message, code, status and stack only: never Node's `rawPacket` (the bytes of a request the
 *   HTTP parser refused, Authorization and cookies included) or any other property a library hangs on them;
 * - the redaction below covers headers and fields a handler might log by mistake;
 * - and every finished line passes `maskSecrets` last, so an Auth Token (`skt_…`) or a setup token in a URL is
 *   masked wherever it appears, the message text included.
 * A test runs a whole lifecycle and malformed raw requests at level trace and searches the log for every secret.
 */
import type { FastifyServerOptions } from 'fastify';

const HEADERS = ['authorization', '"proxy-authorization"', 'cookie', '"set-cookie"', '"x-csrf-token"', '"x-sidekey-verify-key"'];
const header = (prefix: string, name: string) => (name.startsWith('"') ? `${prefix}[${name}]` : `${prefix}.${name}`);

export const REDACT_PATHS = [
  // A handler that logs `request.headers`, a raw request or a reply's headers.
  ...['req.headers', 'res.headers', 'headers', '*.headers'].flatMap((prefix) => HEADERS.map((name) => header(prefix, name))),
  'authorization',
  'password',
  'authToken',
  'secret',
  'csrfToken',
  'sessionId',
  'token',
  '*.password',
  '*.authToken',
  '*.secret',
  '*.csrfToken',
  '*.sessionId',
  '*.token',
];

const AUTH_TOKEN = /skt_[0-9A-Za-z]+/g;
// A query parameter whose name says it carries a secret: ?token=…, ?csrf_token=…, &api_key=…, ?password=…
const SECRET_PARAMETER = /([?&][\w.-]*(?:token|secret|password|passwd|key|csrf|session|auth)[\w.-]*=)[^&\s"#\\]*/gi;

// A secret-named field of JSON written into a message, as it appears inside a log line: \"csrfToken\":\"…\"
const SECRET_JSON_FIELD = /(\\"(?:csrfToken|authToken|password|sessionId|secret|token)\\"\s*:\s*\\")[^"\\]*/g;

/** Auth Tokens, secret query values and secret-named JSON fields in messages masked, wherever they appear in `text`. */
export function maskSecrets(text: string): string {
  return text.replace(AUTH_TOKEN, 'skt_[redacted]').replace(SECRET_PARAMETER, '$1[redacted]').replace(SECRET_JSON_FIELD, '$1[redacted]');
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  clientAddress?: string;
  socket?: { remotePort?: number };
}

const serializers = {
  req: (request: LoggedRequest) => ({ method: request.method, url: maskSecrets(request.url), host: request.host, remoteAddress: request.clientAddress, remotePort: request.socket?.remotePort }),
  err: (error: Error & { code?: unknown; statusCode?: unknown }) => ({
    type: error?.constructor?.name ?? typeof error,
    message: String(error?.message ?? error),
    ...(typeof error?.code === 'string' ? { code: error.code } : {}),
    ...(typeof error?.statusCode === 'number' ? { statusCode: error.statusCode } : {}),
    ...(typeof error?.stack === 'string' ? { stack: error.stack } : {}),
  }),
};

export function loggerOptions(level: string, destination?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers,
    hooks: { streamWrite: maskSecrets },
    ...(destination ? { stream: destination } : {}),
  } as FastifyServerOptions['logger'];
}
