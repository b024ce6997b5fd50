/**
 * Log configuration. Secrets must never reach a log line, at any level:
 * - requests are logged as method, path (secret-looking query values masked), host and address: no headers, no body;
 * - errors as type, message, code, status and stack only: never Node's `rawPacket` (the bytes of a request the
 *   HTTP parser refused, Authorization and cookies included) or any other property a library hangs on them;
 * - the redaction below covers headers and fields a handler might log by mistake;
 * - and every finished line passes `maskSecrets` last, so an Auth Token (`skt_…`) or a setup token in a URL is
 *   masked wherever it appears, the message text included.
 * A test runs a whole lifecycle and malformed raw requests at level trace and searches the log for every secret.
 *
 * Each request is one line when it is answered (`request completed`: method, path, status, milliseconds), at
 * `info`, or at `debug` for the web UI's own files, which a browser session fetches by the dozen. Lines are JSON,
 * or, when the destination is a terminal, one human line each (`prettyLines`), formatted from the finished JSON
 * line: the redaction and the masking above have already run on it.
 */
import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';

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

/** The log options of the server: JSON lines to `destination` (stdout by default), human lines when it is a terminal. */
export function loggerOptions(level: string, destination: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers,
    hooks: { streamWrite: maskSecrets },
    stream: destination.isTTY === true ? prettyLines(destination) : destination,
  } as FastifyServerOptions['logger'];
}

/**
 * Fastify's request log lines, one per answered request instead of two (`incoming request` is not written).
 * `isWebUi` says which requests fetched the web UI's files: those are logged at debug.
 */
export function requestLogging(isWebUi: (request: FastifyRequest) => boolean): LogController {
  return new (class extends LogController {
    override incomingRequest(): void {}
    override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
      const line = { req: request, res: reply, responseTime: reply.elapsedTime };
      if (error) reply.log.error({ ...line, err: error }, 'request errored');
      else if (isWebUi(request)) reply.log.debug(line, 'request completed');
      else reply.log.info(line, 'request completed');
    }
  })();
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, or that the human form shows in its fixed places. */
const SHOWN_IN_PLACE = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'req', 'res', 'responseTime', 'err']);

/** A finished JSON log line as one human line: `time level msg method url status ms`, then the other fields. */
export function prettyLine(json: string): string {
  let entry: Record<string, any>;
  try {
    entry = JSON.parse(json);
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const parts = [time, (LEVEL_NAMES[entry.level] ?? String(entry.level)).padEnd(5), entry.msg ?? ''];
  if (entry.req) parts.push(entry.req.method, entry.req.url);
  if (entry.res) parts.push(String(entry.res.statusCode));
  if (typeof entry.responseTime === 'number') parts.push(`${entry.responseTime.toFixed(1)}ms`);
  for (const [key, value] of Object.entries(entry)) if (!SHOWN_IN_PLACE.has(key)) parts.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  let text = parts.filter((part) => part !== undefined && part !== '').join(' ');
  const err = entry.err;
  if (err) text += err.stack ? `\n    ${String(err.stack).replace(/\n/g, '\n    ')}` : ` ${err.type ?? 'Error'}: ${err.message}`;
  return `${text}\n`;
}

/** A destination that writes each JSON line pino hands it to `out` in the human form. */
function prettyLines(out: NodeJS.WritableStream): { write(line: string): void } {
  return { write: (line) => void out.write(prettyLine(line.trimEnd())) };
}
