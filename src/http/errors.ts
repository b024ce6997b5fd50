/** Every error leaves as impact.com's envelope; bad input is a 400 naming each field, never a 500. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SidekeyError, toEnvelope, type FieldError } from '../domain/errors.js';

function validationFields(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((v) => {
    const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const params = v.params as Record<string, unknown>;
    const field = (params?.missingProperty as string) ?? (params?.additionalProperty as string) ?? path ?? '';
    const message = params?.additionalProperty ? 'is not a known field' : (v.message ?? 'is invalid');
    return { field: path && (params?.missingProperty || params?.additionalProperty) ? `${path}.${field}` : field || error.validationContext || 'body', message };
  });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof SidekeyError) {
      if (error.kind === 'unauthenticated' && request.url.startsWith('/api/')) reply.header('WWW-Authenticate', 'Cookie realm="sidekey"');
      return reply.status(error.status).send(toEnvelope(error.message, error.fields));
    }
    if (error.validation) {
      return reply.status(400).send(toEnvelope('The request has invalid fields.', validationFields(error)));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (malformed JSON, body too large, wrong content type).
      return reply.status(status).send(toEnvelope(error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(toEnvelope('Something went wrong on our side. The error was logged.'));
  });
}
