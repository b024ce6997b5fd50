/** Every error leaves as impact.com's envelope; bad input is a 400 naming each field, never a 500. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SidekeyError, invalidInput, toEnvelope, type FieldError } from '../domain/errors.js';

function validationFields(error: FastifyError): FieldError[] {
  const raw = (error.validation ?? []).map((v) => {
    const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const params = v.params as Record<string, unknown>;
    const field = (params?.missingProperty as string) ?? (params?.additionalProperty as string) ?? path ?? '';
    const message = params?.additionalProperty ? 'is not a known field' : (v.message ?? 'is invalid');
    return {
      field: path && (params?.missingProperty || params?.additionalProperty) ? `${path}.${field}` : field || error.validationContext || 'body',
      message,
      keyword: v.keyword,
      allowed: params?.allowedValue,
    };
  });
  // A union (an enum of literals, or "X or null") fails once per branch plus once as a whole: ajv's
  // "must be equal to constant" ×3, "must be null", "must match a schema in anyOf". Say it once, plainly.
  const out: FieldError[] = [];
  const fields = [...new Set(raw.map((r) => r.field))];
  for (const field of fields) {
    const own = raw.filter((r) => r.field === field);
    const isRoot = field === (error.validationContext || 'body');
    const nested = raw.some((r) => r.field !== field && (isRoot || r.field.startsWith(`${field}.`)));
    const allowed = own.filter((r) => r.keyword === 'const').map((r) => JSON.stringify(r.allowed));
    const plain = own.filter((r) => r.keyword !== 'anyOf' && r.keyword !== 'const' && !(r.keyword === 'type' && r.message === 'must be null'));
    if (allowed.length > 0) out.push({ field, message: `must be one of ${allowed.join(', ')}` });
    else if (plain.length > 0) for (const m of new Set(plain.map((r) => r.message))) out.push({ field, message: m });
    else if (!nested) out.push({ field, message: own[0].message });
  }
  return out;
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

/**
 * PostgreSQL text cannot hold U+0000, so a NUL in a path parameter, query or body field made the query
 * fail with a 500. preValidation hook for the management API: such input is a 400 naming each field.
 */
export async function rejectNulCharacters(request: FastifyRequest): Promise<void> {
  const fields: FieldError[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') {
      if (value.includes('\u0000')) fields.push({ field: path, message: 'must not contain the NUL character' });
    } else if (Array.isArray(value)) value.forEach((item, i) => walk(item, path ? `${path}.${i}` : String(i)));
    else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key);
  };
  walk(request.params, '');
  walk(request.query, '');
  walk(request.body, '');
  if (fields.length > 0) throw invalidInput(fields.map((f) => ({ ...f, field: f.field || 'body' })));
}
