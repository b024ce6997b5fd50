/**
 * The gateway's reverse proxy: node:http serves the client; the upstream is reached with the gateway's own
 * HTTP/1.1 client (upstream-client.ts), which writes the request head this builds as one string and reads the
 * response framing itself, strictly (domain/upstream-response.ts). Request and response bodies are streamed as
 * they come (a body that arrives with its head goes out with it), headers are copied from the raw header arrays
 * in one pass each, and nothing goes through Fastify's reply pipeline (a general-purpose proxy plugin's
 * per-request work would be most of a gateway request).
 *
 * Its duties as a proxy (the rules are in domain/forwarding.ts):
 * - A request is forwarded only with unambiguous framing, and with that framing: the received Content-Length
 *   (in canonical form) or chunked (re-chunked, without extensions or trailers). A request with neither has
 *   no body, whatever its method, and none is sent.
 * - A header named in Connection is removed only when it is a true hop-by-hop extension; hop-by-hop headers,
 *   Host, Expect and what the gateway's `dropRequestHeader` names are never forwarded.
 * - What it does not proxy (upgrades, Expect, declared trailers, transfer codings besides chunked) and the
 *   framing it refuses are answered here, in the error envelope with a Code, before any byte reaches the
 *   upstream; a framing or upgrade refusal also closes the connection.
 * The upstream request goes to the upstream's origin with the canonical target the verifier checked. A response
 * the client refuses (malformed or ambiguous framing) is answered 502 and its connection never reused; an
 * upstream that cannot be reached 502, one silent for 5 minutes 504.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { toEnvelope } from '../../domain/errors.js';
import { HOP_BY_HOP, MORE_THAN_ONE_HOST, canonicalContentLength, connectionListed, connectionRefusal, requestRefusal, withoutSidekeyCookies, type ForwardingRefusal } from '../../domain/forwarding.js';
import type { ResponseHead } from '../../domain/upstream-response.js';
import { createUpstreamClient, type UpstreamAnswer, type UpstreamExchange, type UpstreamFailure } from './upstream-client.js';

/** The upstream sent nothing for this long (5 minutes) while the gateway waited on it: 504. */
const UPSTREAM_TIMEOUT_MS = 300_000;

export interface ForwardOptions {
  /** The canonical request target the verifier checked; sent upstream instead of req.url. */
  target: string;
  /** Headers added to the upstream request (after every client-sent header of the same name was dropped). */
  requestHeaders: Record<string, string>;
  /** Lower-case names of client request headers never forwarded (besides hop-by-hop ones). */
  dropRequestHeader: (name: string) => boolean;
  /** Headers set on the response, replacing the upstream's headers of the same (lower-case) names. */
  responseHeaders?: Record<string, string>;
  /** Whether X-Forwarded-Proto / X-Forwarded-Host sent by the direct peer are believed (a trusted proxy). */
  peerTrusted: boolean;
}

export interface Proxy {
  /**
   * Why this request cannot be proxied (framing, Connection, upgrades, Expect, trailers), or undefined. The
   * gateway asks before it verifies, so a refused request spends no rate limit and reaches nothing.
   */
  refusal(req: IncomingMessage): ForwardingRefusal | undefined;
  /** Answers a refusal in the envelope (closing the connection when the framing cannot be trusted). */
  refuse(res: ServerResponse, refusal: ForwardingRefusal): void;
  /** Forwards a request `refusal` found nothing wrong with. */
  forward(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): void;
  close(): void;
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(toEnvelope(message));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function refuse(res: ServerResponse, refusal: ForwardingRefusal): void {
  const body = JSON.stringify({ ...toEnvelope(refusal.message, [{ field: refusal.field, message: refusal.message }]), Code: refusal.code });
  const headers: OutgoingHttpHeaders = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  if (refusal.closesConnection) headers.connection = 'close';
  res.writeHead(refusal.status, headers);
  res.end(body);
}

/** Methods node:http (and most clients) send with `Content-Length: 0` when they have no body; some servers require it. */
const BODY_EXPECTED: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * One proxied request's answer: the upstream's response head and body written to the client as they are read, or
 * the error envelope when the exchange fails before the head was written.
 */
class ClientAnswer implements UpstreamAnswer {
  exchange: UpstreamExchange | undefined;
  private draining = false;
  private readonly onDrain = () => {
    this.draining = false;
    this.exchange?.resume();
  };
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly replace: Record<string, string> | undefined,
  ) {}

  head(head: ResponseHead): void {
    const { res, replace } = this;
    if (res.destroyed) {
      this.exchange?.abort();
      return;
    }
    const raw = head.rawHeaders;
    const listed = head.connectionListed;
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (HOP_BY_HOP.has(name) || (listed.length > 0 && listed.includes(name)) || (replace !== undefined && name in replace)) continue;
      out.push(raw[i], raw[i + 1]);
    }
    if (replace) for (const name in replace) out.push(name, replace[name]);
    // An HTTP/1 connection cannot be reused until its request body has been read: close it if the upstream
    // answered before that point.
    if (!this.req.complete) out.push('connection', 'close');
    res.writeHead(head.status, head.reason || undefined, out);
  }

  body(piece: Buffer): boolean {
    if (this.res.write(piece)) return true;
    if (!this.draining) {
      this.draining = true;
      this.res.once('drain', this.onDrain);
    }
    return false;
  }

  end(last: Buffer | undefined): void {
    this.res.end(last);
  }

  failed(failure: UpstreamFailure): void {
    if (failure === 'timeout') sendError(this.res, 504, 'The API behind this gateway did not answer in time.');
    else if (failure === 'malformed') sendError(this.res, 502, 'The API behind this gateway sent a response the gateway does not forward.');
    else sendError(this.res, 502, 'The API behind this gateway could not be reached.');
  }
}

/** `timeoutMs`: how long the upstream may stay silent while an exchange waits on it (5 minutes unless given). */
export function createProxy(upstreamUrl: string, { timeoutMs = UPSTREAM_TIMEOUT_MS }: { timeoutMs?: number } = {}): Proxy {
  const upstream = new URL(upstreamUrl);
  const client = createUpstreamClient(upstream, { timeoutMs });
  const hostField = `host: ${upstream.host}\r\n`;

  function forward(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): void {
    const received = req.headers;
    const listed = connectionListed(received.connection);
    const method = req.method!;

    // ---- the upstream request's head, from the raw array, in one string --------------------------------------
    // Names and values come from node:http's parser (tokens, no CR, LF or NUL) and from the gateway itself.
    const raw = req.rawHeaders;
    const added = options.requestHeaders;
    let head = `${method} ${options.target} HTTP/1.1\r\n${hostField}`;
    let hostFields = 0;
    let cookie: string | undefined;
    let forwardedFor: string | undefined;
    let forwardedProto: string | undefined;
    let forwardedHost: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      const value = raw[i + 1];
      if (name === 'host') {
        hostFields++;
        continue;
      }
      if (HOP_BY_HOP.has(name) || (listed.length > 0 && listed.includes(name)) || options.dropRequestHeader(name) || name in added) continue;
      switch (name) {
        case 'content-length': // set below, in canonical form
        case 'expect': // answered here (HTTP/1.1) or ignored (HTTP/1.0)
          break;
        case 'cookie':
          cookie = cookie === undefined ? value : `${cookie}; ${value}`;
          break;
        case 'x-forwarded-for':
          forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
          break;
        case 'x-forwarded-proto':
          forwardedProto ??= value;
          break;
        case 'x-forwarded-host':
          forwardedHost ??= value;
          break;
        default:
          head += `${name}: ${value}\r\n`;
      }
    }
    if (hostFields > 1) {
      refuse(res, MORE_THAN_ONE_HOST);
      return;
    }
    if (cookie !== undefined) {
      const kept = withoutSidekeyCookies(cookie);
      if (kept !== undefined) head += `cookie: ${kept}\r\n`;
    }
    // The body keeps its framing: a sized one its length, a chunked one is chunked again. The parser has refused
    // a request with both; one with neither has no body.
    const contentLength = received['content-length'];
    const chunked = contentLength === undefined && received['transfer-encoding'] !== undefined;
    if (contentLength !== undefined) head += `content-length: ${canonicalContentLength(contentLength)}\r\n`;
    else if (chunked) head += 'transfer-encoding: chunked\r\n';
    else if (BODY_EXPECTED.has(method)) head += 'content-length: 0\r\n';
    // The platform's API still learns who called and how, as behind any reverse proxy.
    const peer = req.socket.remoteAddress;
    if (peer) head += `x-forwarded-for: ${forwardedFor ? `${forwardedFor}, ${peer}` : peer}\r\n`;
    else if (forwardedFor) head += `x-forwarded-for: ${forwardedFor}\r\n`;
    head += `x-forwarded-proto: ${(options.peerTrusted && forwardedProto) || ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http')}\r\n`;
    const clientHost = (options.peerTrusted && forwardedHost) || received.host;
    if (clientHost) head += `x-forwarded-host: ${clientHost}\r\n`;
    for (const name in added) head += `${name}: ${added[name]}\r\n`;
    head += '\r\n';

    const framed = contentLength !== undefined || chunked;
    if (!framed) req.resume();
    const answer = new ClientAnswer(req, res, options.responseHeaders);
    const exchange = client.send(method, head, framed ? { source: req, chunked } : undefined, answer);
    answer.exchange = exchange;
    // The client went away before its answer was written: stop the upstream exchange too.
    res.once('close', () => {
      if (!res.writableFinished) exchange.abort();
    });
  }

  const refusal = (req: IncomingMessage) => connectionRefusal(connectionListed(req.headers.connection)) ?? requestRefusal(req);
  return { refusal, refuse, forward, close: () => client.close() };
}
