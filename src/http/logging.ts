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
  // A handler that logs `request.headers` or a sign-in response would otherwise leak the session and its CSRF token.
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-csrf-token"]',
  'headers["x-sidekey-verify-key"]',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  '*.headers["x-csrf-token"]',
  '*.headers.authorization',
  'csrfToken',
  '*.csrfToken',
  'sessionId',
  '*.sessionId',
];

export function loggerOptions(level: string, destination?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(destination ? { stream: destination } : {}),
  } as FastifyServerOptions['logger'];
}
