/**
 * The gateway's reverse proxy, on node:http with a keep-alive agent: request and response bodies are streamed
 * as they come, headers are copied from the raw header arrays in one pass each (hop-by-hop headers and the
 * names listed in Connection dropped), and nothing goes through Fastify's reply pipeline. It replaced
 * @fastify/http-proxy (undici + @fastify/reply-from), whose per-request work was most of a gateway request.
 *
 * Only the upstream's origin is used: the path and query sent are the canonical target the gateway checked.
 */
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { toEnvelope } from '../domain/errors.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1), never forwarded in either direction. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** No answer headers from the upstream within this time: 504 (the default undici headers timeout before). */
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
  forward(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): void;
  close(): void;
}

/** Names listed in a Connection header (lower case), which are hop-by-hop for this message. */
function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const names = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive') names.add(name);
  }
  return names.size > 0 ? names : undefined;
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

export function createProxy(upstreamUrl: string): Proxy {
  const upstream = new URL(upstreamUrl);
  const secure = upstream.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, keepAliveMsecs: 1_000, maxSockets: 512, maxFreeSockets: 256, scheduling: 'lifo' });
  const hostname = upstream.hostname.startsWith('[') ? upstream.hostname.slice(1, -1) : upstream.hostname;
  const port = upstream.port || (secure ? 443 : 80);
  const host = upstream.host;

  function forward(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): void {
    const url = options.target;

    // ---- the upstream request's headers, from the raw array -------------------------------------------------
    const raw = req.rawHeaders;
    const listed = connectionListed(req.headers.connection);
    const added = options.requestHeaders;
    const headers: OutgoingHttpHeaders = {};
    let forwardedFor: string | undefined;
    let forwardedProto: string | undefined;
    let forwardedHost: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      const value = raw[i + 1];
      if (HOP_BY_HOP.has(name) || name === 'host' || listed?.has(name) || options.dropRequestHeader(name) || name in added) continue;
      if (name === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      else if (name === 'x-forwarded-proto') forwardedProto ??= value;
      else if (name === 'x-forwarded-host') forwardedHost ??= value;
      else {
        const previous = headers[name];
        if (previous === undefined) headers[name] = value;
        else if (Array.isArray(previous)) previous.push(value);
        else headers[name] = name === 'cookie' ? `${previous}; ${value}` : [previous as string, value];
      }
    }
    // The request body keeps its framing: a chunked body is sent chunked again, a sized one with its length.
    if (req.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
    headers.host = host;
    // The platform's API still learns who called and how, as behind any reverse proxy.
    const peer = req.socket.remoteAddress;
    if (peer) headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${peer}` : peer;
    else if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
    headers['x-forwarded-proto'] = (options.peerTrusted && forwardedProto) || ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
    const clientHost = (options.peerTrusted && forwardedHost) || req.headers.host;
    if (clientHost) headers['x-forwarded-host'] = clientHost;
    for (const name in added) headers[name] = added[name];

    const upstreamRequest = transport.request({ agent, hostname, port, method: req.method, path: url, headers, timeout: UPSTREAM_TIMEOUT_MS });

    upstreamRequest.on('response', (upstreamResponse) => {
      const replace = options.responseHeaders;
      const rawOut = upstreamResponse.rawHeaders;
      const listedOut = connectionListed(upstreamResponse.headers.connection);
      const out: string[] = [];
      for (let i = 0; i < rawOut.length; i += 2) {
        const name = rawOut[i].toLowerCase();
        if (HOP_BY_HOP.has(name) || listedOut?.has(name) || (replace !== undefined && name in replace)) continue;
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

    if (req.complete && req.readableLength === 0) {
      // No body (or an empty one) and all of it already parsed: nothing to stream.
      upstreamRequest.end();
      req.resume();
    } else {
      req.pipe(upstreamRequest);
      req.once('error', () => upstreamRequest.destroy());
    }
  }

  return { forward, close: () => agent.destroy() };
}
