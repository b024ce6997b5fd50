/** Sign-in, sign-out, who am I, and the first-run setup link. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AccountService } from '../../accounts/service.js';
import { SIGN_IN_BODY_LIMIT_BYTES } from '../../domain/input.js';
import { ErrorEnvelope, LoginBody, Me, SessionResponse, SetupBody } from './schemas.js';
import { clearSessionCookie, requireUser, setSessionCookie } from './session.js';

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 429: ErrorEnvelope };

export interface SessionRoutesDeps {
  accounts: Pick<AccountService, 'login' | 'logout' | 'me' | 'completeSetup'>;
  sessionTtlSeconds: number;
}

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesDeps> = async (app, { accounts, sessionTtlSeconds }) => {
  const signIn = async (request: Parameters<typeof setSessionCookie>[1], reply: Parameters<typeof setSessionCookie>[0], email: string, password: string) => {
    const { sessionId, session } = await accounts.login(email, password, request.clientAddress ?? '');
    setSessionCookie(reply, request, sessionId, sessionTtlSeconds);
    return { ...(await accounts.me(session.userId)), csrfToken: session.csrfToken };
  };

  app.post('/session', { bodyLimit: SIGN_IN_BODY_LIMIT_BYTES, schema: { tags: ['session'], summary: 'Sign in', body: LoginBody, response: { 200: SessionResponse, ...errors } } }, async (request, reply) =>
    signIn(request, reply, request.body.email, request.body.password),
  );

  app.delete('/session', { schema: { tags: ['session'], summary: 'Sign out', response: { 204: Type.Null(), ...errors } }, onRequest: requireUser }, async (request, reply) => {
    await accounts.logout(request.sessionId!);
    clearSessionCookie(reply, request);
    return reply.status(204).send(null);
  });

  app.get('/session/csrf', { schema: { tags: ['session'], summary: "This session's CSRF token (after a page reload)", response: { 200: Type.Object({ csrfToken: Type.String() }), ...errors } }, onRequest: requireUser }, async (request) => ({
    csrfToken: request.csrfToken!,
  }));

  app.get('/me', { schema: { tags: ['session'], summary: 'The signed-in user and their accounts', response: { 200: Me, ...errors } }, onRequest: requireUser }, async (request) =>
    accounts.me(request.actor!.userId),
  );

  app.post('/setup', { bodyLimit: SIGN_IN_BODY_LIMIT_BYTES, schema: { tags: ['session'], summary: 'First run: create the first administrator and account from the one-time setup link', body: SetupBody, response: { 200: SessionResponse, ...errors } } }, async (request, reply) => {
    const { token, ...input } = request.body;
    await accounts.completeSetup(token, input);
    return signIn(request, reply, input.email, input.password);
  });
};
