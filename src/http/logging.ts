/**
 * Log configuration. Secrets must never reach a log line: Fastify's request serializer logs no headers or
 * bodies, and the redaction below covers anything a handler might log by mistake. A test runs a whole
 * lifecycle and greps the captured log for every secret issued.
 */
import type { FastifyServerOptions } from 'fastify';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-sidekey-verify-key"]',
  'headers.authorization',
  'authorization',
  'password',
  'authToken',
  'secret',
  '*.password',
  '*.authToken',
  '*.secret',
];

export function loggerOptions(level: string, destination?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(destination ? { stream: destination } : {}),
  } as FastifyServerOptions['logger'];
}
