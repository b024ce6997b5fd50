/**
 * The gateway's reverse proxy, on node:http with a keep-alive agent: request and response bodies are streamed
 * as they come, headers are copied from the raw header arrays in one pass each, and nothing goes through
 * Fastify's reply pipeline (a general-purpose proxy plugin's per-request work would be most of a gateway
 * request).
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
 * The upstream request goes to the upstream's origin with the canonical target the verifier checked.
 */
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { toEnvelope } from '../../domain/errors.js';
import { HOP_BY_HOP, MORE_THAN_ONE_HOST, canonicalContentLength, connectionListed, connectionRefusal, requestRefusal, withoutSidekeyCookies, type ForwardingRefusal } from '../../domain/forwarding.js';

/** No answer headers from the upstream within this time (5 minutes): 504. */
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

export function createProxy(upstreamUrl: string): Proxy {
  const upstream = new URL(upstreamUrl);
  const secure = upstream.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, keepAliveMsecs: 1_000, maxSockets: 512, maxFreeSockets: 256, scheduling: 'lifo' });
  const hostname = upstream.hostname.startsWith('[') ? upstream.hostname.slice(1, -1) : upstream.hostname;
  const port = upstream.port || (secure ? 443 : 80);
  const host = upstream.host;

  function forward(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): void {
    const received = req.headers;
    const listed = connectionListed(received.connection);

    // ---- the upstream request's headers, from the raw array -------------------------------------------------
    const raw = req.rawHeaders;
    const added = options.requestHeaders;
    const headers: OutgoingHttpHeaders = {};
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
        default: {
          const previous = headers[name];
          if (previous === undefined) headers[name] = value;
          else if (Array.isArray(previous)) previous.push(value);
          else headers[name] = [previous as string, value];
        }
      }
    }
    if (hostFields > 1) {
      refuse(res, MORE_THAN_ONE_HOST);
      return;
    }
    if (cookie !== undefined) {
      const kept = withoutSidekeyCookies(cookie);
      if (kept !== undefined) headers.cookie = kept;
    }
    // The body keeps its framing: a sized one its length, a chunked one is chunked again. The parser has refused
    // a request with both; one with neither has no body.
    const contentLength = received['content-length'];
    const framed = contentLength !== undefined || received['transfer-encoding'] !== undefined;
    if (contentLength !== undefined) headers['content-length'] = canonicalContentLength(contentLength);
    else if (framed) headers['transfer-encoding'] = 'chunked';
    headers.host = host;
    // The platform's API still learns who called and how, as behind any reverse proxy.
    const peer = req.socket.remoteAddress;
    if (peer) headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${peer}` : peer;
    else if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
    headers['x-forwarded-proto'] = (options.peerTrusted && forwardedProto) || ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
    const clientHost = (options.peerTrusted && forwardedHost) || received.host;
    if (clientHost) headers['x-forwarded-host'] = clientHost;
    for (const name in added) headers[name] = added[name];

    const upstreamRequest = transport.request({ agent, hostname, port, method: req.method, path: options.target, headers, timeout: UPSTREAM_TIMEOUT_MS });

    upstreamRequest.on('response', (upstreamResponse) => {
      const replace = options.responseHeaders;
      const rawOut = upstreamResponse.rawHeaders;
      const listedOut = connectionListed(upstreamResponse.headers.connection);
      const out: string[] = [];
      for (let i = 0; i < rawOut.length; i += 2) {
        const name = rawOut[i].toLowerCase();
        if (HOP_BY_HOP.has(name) || (listedOut.length > 0 && listedOut.includes(name)) || (replace !== undefined && name in replace)) continue;
        out.push(rawOut[i], rawOut[i + 1]);
      }
      if (replace) for (const name in replace) out.push(name, replace[name]);
      // An HTTP/1 connection cannot be reused until its request body has been read: close it if the upstream
      // answered before that point.
      if (!req.complete) out.push('connection', 'close');
      if (res.destroyed) {
        upstreamResponse.destroy();
        return;
      }
      res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, out);
      upstreamResponse.pipe(res);
      upstreamResponse.once('error', () => res.destroy());
      upstreamResponse.once('aborted', () => res.destroy());
    });
    upstreamRequest.once('timeout', () => upstreamRequest.destroy(Object.assign(new Error('upstream timeout'), { code: 'SIDEKEY_UPSTREAM_TIMEOUT' })));
    upstreamRequest.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'SIDEKEY_UPSTREAM_TIMEOUT') sendError(res, 504, 'The API behind this gateway did not answer in time.');
      else sendError(res, 502, 'The API behind this gateway could not be reached.');
    });
    // The client went away before its answer was written: stop the upstream exchange too.
    res.once('close', () => {
      if (!res.writableFinished) upstreamRequest.destroy();
    });

    if (!framed || (req.complete && req.readableLength === 0)) {
      // No body (or an empty one, all of it already parsed): nothing to stream.
      upstreamRequest.end();
      req.resume();
    } else {
      req.pipe(upstreamRequest);
      req.once('error', () => upstreamRequest.destroy());
    }
  }

  const refusal = (req: IncomingMessage) => connectionRefusal(connectionListed(req.headers.connection)) ?? requestRefusal(req);
  return { refusal, refuse, forward, close: () => agent.destroy() };
}
