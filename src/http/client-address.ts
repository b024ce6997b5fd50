/**
 * The one client-address rule (domain/client-address.ts) on every request of the app: `request.clientAddress`
 * is what the management API, the verification entrances and the gateway read, and `request.fromTrustedProxy`
 * says whether the direct peer's X-Forwarded-* headers are believed. Fastify's `trustProxy` (request.protocol,
 * request.host) is the same predicate; `request.ip` is not read (it knows nothing of X-Real-IP).
 */
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

export function installClientAddress(app: FastifyInstance, trusts: ProxyTrust): void {
  app.decorateRequest('clientAddress', {
    getter(this: FastifyRequest) {
      const headers = this.headers;
      return clientAddress(this.socket.remoteAddress, firstHeaderValue(headers['x-forwarded-for']), firstHeaderValue(headers['x-real-ip']), trusts);
    },
  });
  app.decorateRequest('fromTrustedProxy', {
    getter(this: FastifyRequest) {
      const peer = this.socket.remoteAddress;
      return peer !== undefined && trusts(peer);
    },
  });
}
