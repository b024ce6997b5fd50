/**
 * Cookie sessions for the web UI: an opaque random id in an httpOnly, SameSite=Strict cookie (Secure over
 * https), stored hashed; every mutation must carry the session's CSRF token in X-CSRF-Token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AccountService } from '../../accounts/service.js';
import type { Actor } from '../../domain/actor.js';
import { constantTimeEqual } from '../../domain/credentials.js';
import { SidekeyError, unauthenticated } from '../../domain/errors.js';

export const SESSION_COOKIE = 'sidekey_session';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor & { kind: 'user' };
    sessionId?: string;
    csrfToken?: string;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const isHttps = (request: FastifyRequest) => request.protocol === 'https';

function setSessionCookie(reply: FastifyReply, request: FastifyRequest, sessionId: string, maxAgeSeconds: number) {
  reply.setCookie(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, sameSite: 'strict', secure: isHttps(request), maxAge: maxAgeSeconds });
}

/** Signs in (the sign-in form, or right after setup or an invite) and answers what the sign-in route answers. */
export async function signIn(
  accounts: Pick<AccountService, 'login' | 'me'>,
  sessionTtlSeconds: number,
  request: FastifyRequest,
  reply: FastifyReply,
  credentials: { email: string; password: string },
) {
  const { sessionId, session } = await accounts.login(credentials.email, credentials.password, request.clientAddress ?? '');
  setSessionCookie(reply, request, sessionId, sessionTtlSeconds);
  return { ...(await accounts.me(session.userId)), csrfToken: session.csrfToken };
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest) {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: isHttps(request) });
}

/** Resolves the session (if any) onto the request; routes opt in to requiring it with `requireUser`. */
export const sessionPlugin = fp(async (app: FastifyInstance, opts: { accounts: Pick<AccountService, 'session'> }) => {
  app.addHook('onRequest', async (request) => {
    const sessionId = request.cookies?.[SESSION_COOKIE];
    if (!sessionId) return;
    const session = await opts.accounts.session(sessionId);
    if (!session) return;
    request.actor = { kind: 'user', userId: session.userId, ip: request.clientAddress };
    request.sessionId = sessionId;
    request.csrfToken = session.csrfToken;
  });
});

/** onRequest hook: a signed-in user, and for mutations a matching CSRF token. */
export async function requireUser(request: FastifyRequest): Promise<void> {
  if (!request.actor) throw unauthenticated('Your session has ended or you are not signed in. Sign in to continue.');
  if (MUTATING.has(request.method)) {
    const sent = request.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !request.csrfToken || !constantTimeEqual(sent, request.csrfToken)) {
      throw new SidekeyError('CSRF_TOKEN_INVALID', 'Missing or wrong X-CSRF-Token header for this session.');
    }
  }
}
