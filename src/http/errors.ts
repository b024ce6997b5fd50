/** Every error leaves as impact.com's envelope; bad input is a 400 naming each field, never a 500. */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type ErrorCode, SidekeyError, invalidInput, managementEnvelope, type FieldError } from '../domain/errors.js';
import { type HttpAnswer, jsonAnswer } from './answer.js';
import { type InputProblem, MAX_INPUT_DEPTH, MAX_REPORTED_PROBLEMS, inspectInput, mayNestDeeperThan } from '../domain/input.js';

/** What validation found wrong, as Fastify reports it: ajv's errors and the part of the request they are about. */
type ValidationFailure = Pick<FastifyError, 'validation' | 'validationContext'>;

function validationFields(error: ValidationFailure): FieldError[] {
  // Grouped by field in one pass: a body with 20,000 unknown keys is 20,000 ajv errors, and a per-field
  // scan of all of them blocked the event loop for seconds.
  const byField = new Map<string, { message: string; keyword: string; allowed: unknown }[]>();
  for (const v of error.validation ?? []) {
    const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const params = v.params as Record<string, unknown>;
    const name = (params?.missingProperty as string) ?? (params?.additionalProperty as string) ?? path ?? '';
    const field = path && (params?.missingProperty || params?.additionalProperty) ? `${path}.${name}` : name || error.validationContext || 'body';
    // A pattern says what it means in its schema's description (ajv's `verbose` supplies the schema).
    const described = v.keyword === 'pattern' ? ((v as { parentSchema?: { description?: unknown } }).parentSchema)?.description : undefined;
    const message = params?.additionalProperty ? 'is not a known field' : typeof described === 'string' ? `must be ${described}` : (v.message ?? 'is invalid');
    const own = byField.get(field) ?? [];
    own.push({ message, keyword: v.keyword, allowed: params?.allowedValue });
    byField.set(field, own);
  }
  // A field some other error sits inside: "scopes" when "scopes.3" failed too.
  const parents = new Set<string>();
  for (const field of byField.keys()) for (let at = field.lastIndexOf('.'); at > 0; at = field.lastIndexOf('.', at - 1)) parents.add(field.slice(0, at));
  // A union (an enum of literals, or "X or null") fails once per branch plus once as a whole: ajv's
  // "must be equal to constant" ×3, "must be null", "must match a schema in anyOf". Say it once, plainly.
  const out: FieldError[] = [];
  for (const [field, own] of byField) {
    if (out.length >= MAX_REPORTED_PROBLEMS) break;
    const isRoot = field === (error.validationContext || 'body');
    const nested = parents.has(field) || (isRoot && byField.size > 1);
    const allowed = own.filter((r) => r.keyword === 'const').map((r) => JSON.stringify(r.allowed));
    const plain = own.filter((r) => r.keyword !== 'anyOf' && r.keyword !== 'const' && !(r.keyword === 'type' && r.message === 'must be null'));
    if (allowed.length > 0) out.push({ field, message: `must be one of ${allowed.join(', ')}` });
    else if (plain.length > 0) for (const m of new Set(plain.map((r) => r.message))) out.push({ field, message: m });
    else if (!nested) out.push({ field, message: own[0].message });
  }
  return out.slice(0, MAX_REPORTED_PROBLEMS);
}

// Fastify's own errors, by their code; any other client error by its status.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_BAD_URL: 'MALFORMED_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
};
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  404: 'ROUTE_NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
};

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Fastify's `genReqId`: the caller's X-Request-Id when it is a sane one (≤ 64 of [A-Za-z0-9._-]), else a fresh one. */
export function requestIdOf(request: IncomingMessage): string {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** Sends the management envelope for `code`, with the request id in the body and the header, and logs the refusal. */
export function sendError(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string, fields: FieldError[] = []) {
  const status = ERROR_CODES[code];
  if (status < 500) request.log.info({ code, statusCode: status }, 'request refused');
  return reply.status(status).header('X-Request-Id', request.id).send(managementEnvelope(code, message, fields, request.id));
}

const INTERNAL_ERROR_MESSAGE = 'Something went wrong on our side. The error was logged with the request id.';

/** The answer to a request that failed on our side (the error itself is logged, never sent). */
export function internalErrorAnswer(requestId: string): HttpAnswer {
  return jsonAnswer(ERROR_CODES.INTERNAL_ERROR, managementEnvelope('INTERNAL_ERROR', INTERNAL_ERROR_MESSAGE, [], requestId));
}

/** How a request the app refuses is answered: the envelope's code, message and fields (the status is the code's). */
export interface Refusal {
  code: ErrorCode;
  message: string;
  fields: FieldError[];
  retryAfterSeconds?: number;
}

/**
 * The refusal for an error a route ended with, or undefined when the error is ours (answered INTERNAL_ERROR and
 * logged). The one rule of the error handler, which the fast path of POST /v1/verify applies too.
 */
export function refusalOf(error: ValidationFailure & Partial<Pick<FastifyError, 'statusCode' | 'code' | 'message'>>): Refusal | undefined {
  if (error instanceof SidekeyError) return { code: error.code, message: error.message, fields: error.fields, retryAfterSeconds: error.retryAfterSeconds };
  if (error.validation) return { code: 'INVALID_INPUT', message: 'The request has invalid fields.', fields: validationFields(error) };
  const status = error.statusCode ?? 500;
  // Fastify's own client errors (malformed JSON, body too large, wrong content type).
  if (status >= 400 && status < 500) return { code: FASTIFY_CODES[error.code ?? ''] ?? CODE_OF_STATUS[status] ?? 'BAD_REQUEST', message: error.message ?? '', fields: [] };
  return undefined;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const refusal = refusalOf(error);
    if (refusal === undefined) {
      request.log.error({ err: error }, 'request failed');
      return sendError(request, reply, 'INTERNAL_ERROR', INTERNAL_ERROR_MESSAGE);
    }
    if (error instanceof SidekeyError && error.status === 401 && request.url.startsWith('/api/')) reply.header('WWW-Authenticate', 'Cookie realm="sidekey"');
    if (refusal.retryAfterSeconds !== undefined) reply.header('Retry-After', String(refusal.retryAfterSeconds));
    return sendError(request, reply, refusal.code, refusal.message, refusal.fields);
  });
}

/** Fastify's `frameworkErrors`: a URL that does not decode or a parameter over the length limit, before any route runs. */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  return sendError(request, reply, FASTIFY_CODES[error.code] ?? 'BAD_REQUEST', error.message);
}

/**
 * preValidation hook for the management API: path parameters, query and body must meet the input limits
 * (depth, NUL characters, prototype keys) before validation or any handler reads them; otherwise a 400 naming
 * each field.
 */
export async function rejectUnsafeInput(request: FastifyRequest): Promise<void> {
  const problems = [...inspectInput(request.params, 'params'), ...inspectInput(request.query, 'query'), ...inspectInput(request.body, 'body')];
  if (problems.length > 0) throw inputError(problems);
}

function inputError(problems: InputProblem[]) {
  const fields = problems.slice(0, MAX_REPORTED_PROBLEMS).map(({ field, message }) => ({ field, message }));
  const deep = problems.find((p) => p.kind === 'too_deep');
  return deep ? invalidInput(fields, `The JSON body is nested deeper than ${MAX_INPUT_DEPTH} levels.`, 'INPUT_TOO_DEEP') : invalidInput(fields);
}

/** A JSON body parsed, or the error Fastify's body parsing ends with (what the error handler answers). */
export type ParsedBody = { ok: true; value: unknown } | { ok: false; error: Error };

/**
 * The JSON parser of every route: Fastify's own (secure-json-parse, which refuses `__proto__` and
 * `constructor.prototype` keys), then the depth limit, so no route's validation or handler ever walks a
 * structure deeper than MAX_INPUT_DEPTH. Bodies are limited to BODY_LIMIT_BYTES by Fastify before parsing.
 * Returned for the fast path of POST /v1/verify, which parses with it too.
 */
export function installJsonParser(app: FastifyInstance): (text: string) => ParsedBody {
  const fastifyParse = app.getDefaultJsonParser('error', 'error');
  const parse = (text: string): ParsedBody => {
    let parsed: ParsedBody | undefined;
    // Fastify's default parser calls back synchronously, and reads nothing of the request.
    fastifyParse(undefined as never, text, (error: Error | null, value?: unknown) => {
      parsed = error ? { ok: false, error } : { ok: true, value };
    });
    if (!parsed!.ok || !mayNestDeeperThan(text)) return parsed!;
    const deep = inspectInput(parsed!.value, 'body').filter((p) => p.kind === 'too_deep');
    return deep.length > 0 ? { ok: false, error: inputError(deep) } : parsed!;
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const parsed = parse(body as string);
    if (parsed.ok) done(null, parsed.value);
    else done(parsed.error, undefined);
  });
  return parse;
}

/**
 * `clientErrorHandler`: Node's HTTP parser refused the bytes (a bad Content-Length, Content-Length with
 * Transfer-Encoding, invalid header characters, headers too large). Answered with the envelope and logged by
 * error code only: the error's `rawPacket` holds the request's bytes, Authorization and cookies included.
 */
export function answerClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode = error.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'REQUEST_TIMEOUT' : 'MALFORMED_REQUEST';
  const status = ERROR_CODES[code];
  const requestId = randomUUID();
  this.log.info({ reqId: requestId, code, parserCode: error.code }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(managementEnvelope(code, code === 'MALFORMED_REQUEST' ? 'The request is not valid HTTP.' : (STATUS_CODES[status] ?? 'Bad request'), [], requestId));
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
