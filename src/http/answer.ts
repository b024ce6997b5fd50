/**
 * An answer as plain data — status, headers, body — and the two ways it leaves: through Fastify's reply (the
 * routes Fastify serves, and the hooks in front of them) or straight onto node:http's response (the fast paths,
 * http/fast-path.ts). Each entrance computes its answer once, with one function, and hands it to either: so a
 * request gets the same status, headers and body whichever way it came in.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface HttpAnswer {
  status: number;
  /** Lower-case names; Content-Type and Content-Length are added when the answer is sent. */
  headers: Record<string, string>;
  /** The JSON text of the body; undefined for an empty one. */
  body?: string;
}

export const jsonAnswer = (status: number, value: unknown, headers: Record<string, string> = {}): HttpAnswer => ({ status, headers, body: JSON.stringify(value) });

/** Through Fastify's reply: its hooks (X-Request-Id, logging) run as for any route; the body is sent as the text it is. */
export function sendAnswer(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  reply.status(answer.status).headers(answer.headers);
  if (answer.body === undefined) return reply.header('content-length', '0').send();
  return reply.type(JSON_CONTENT_TYPE).send(answer.body);
}

/** Straight onto the response, with the X-Request-Id every answer carries (Fastify's onRequest hook sets it on the other way). */
export function writeAnswer(res: ServerResponse, answer: HttpAnswer, requestId: string): void {
  const head: string[] = [];
  for (const name in answer.headers) head.push(name, answer.headers[name]);
  head.push('x-request-id', requestId);
  if (answer.body === undefined) {
    head.push('content-length', '0');
    res.writeHead(answer.status, head);
    res.end();
    return;
  }
  head.push('content-type', JSON_CONTENT_TYPE, 'content-length', String(Buffer.byteLength(answer.body)));
  res.writeHead(answer.status, head);
  res.end(answer.body);
}
