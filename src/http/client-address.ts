/**
 * The one client-address rule (domain/client-address.ts) on every request of the app: `request.clientAddress`
 * is what the management API, the verification entrances and the gateway read, and `request.fromTrustedProxy`
 * says whether the direct peer's X-Forwarded-* headers are believed. Fastify's `trustProxy` (request.protocol,
 * request.host) is the same predicate; `request.ip` is not read (it knows nothing of X-Real-IP). The fast paths
 * (http/fast-path.ts) read the same two facts of the raw request with the functions below.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ProxyTrust, clientAddress } from '../domain/client-address.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API client's address; undefined only when the connection is already gone. */
    readonly clientAddress: string | undefined;
    readonly fromTrustedProxy: boolean;
  }
}

/** The first value of a request header (Node joins repeated X-Forwarded-For lines into one). */
export const firstHeaderValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

type RawRequest = Pick<IncomingMessage, 'headers' | 'socket'>;

export function clientAddressOf(request: RawRequest, trusts: ProxyTrust): string | undefined {
  const headers = request.headers;
  return clientAddress(request.socket.remoteAddress, firstHeaderValue(headers['x-forwarded-for']), firstHeaderValue(headers['x-real-ip']), trusts);
}

export function fromTrustedProxy(request: RawRequest, trusts: ProxyTrust): boolean {
  const peer = request.socket.remoteAddress;
  return peer !== undefined && trusts(peer);
}

export function installClientAddress(app: FastifyInstance, trusts: ProxyTrust): void {
  app.decorateRequest('clientAddress', {
    getter(this: FastifyRequest) {
      return clientAddressOf(this, trusts);
    },
  });
  app.decorateRequest('fromTrustedProxy', {
    getter(this: FastifyRequest) {
      return fromTrustedProxy(this, trusts);
    },
  });
}
