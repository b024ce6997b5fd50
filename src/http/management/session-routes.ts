/** Sign-in, sign-out, who am I, and the first-run setup link. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AccountService } from '../../accounts/service.js';
import { SIGN_IN_BODY_LIMIT_BYTES } from '../../domain/input.js';
import { BODY_ERRORS, errorResponses, SECURITY } from '../openapi.js';
import { LoginBody, Me, SessionResponse, SessionState, SetupBody, SetupLinkQuery, SetupLinkState } from './schemas.js';
import { clearSessionCookie, requireUser, signIn as signInAs } from './session.js';

const tags = ['session'];
/** A signed-in read: not signed in, or the database late (400: a query that is not safe input). */
const readErrors = errorResponses(400, 401, 503);

export interface SessionRoutesDeps {
  accounts: Pick<AccountService, 'login' | 'logout' | 'me' | 'completeSetup' | 'setupLinkState'>;
  sessionTtlSeconds: number;
}

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesDeps> = async (app, { accounts, sessionTtlSeconds }) => {
  const signIn = (request: FastifyRequest, reply: FastifyReply, email: string, password: string) => signInAs(accounts, sessionTtlSeconds, request, reply, { email, password });

  app.post('/session', { bodyLimit: SIGN_IN_BODY_LIMIT_BYTES, schema: { tags, operationId: 'signIn', summary: 'Sign in: sets the session cookie and returns the CSRF token', security: SECURITY.public, body: LoginBody, response: { 200: SessionResponse, ...errorResponses(401, 429, 503, ...BODY_ERRORS) } } }, async (request, reply) =>
    signIn(request, reply, request.body.email, request.body.password),
  );

  app.delete('/session', { schema: { tags, operationId: 'signOut', summary: 'Sign out', security: SECURITY.signedInMutation, response: { 204: Type.Null({ description: 'Signed out' }), ...errorResponses(401, 403, 503, ...BODY_ERRORS) } }, onRequest: requireUser }, async (request, reply) => {
    await accounts.logout(request.sessionId!);
    clearSessionCookie(reply, request);
    return reply.status(204).send(null);
  });

  // No requireUser: answering "not signed in" is this probe's job, so a first visit makes no failing request.
  app.get('/session', { schema: { tags, operationId: 'getSession', summary: 'Whether this browser is signed in, and as whom (never 401)', security: SECURITY.public, response: { 200: SessionState, ...errorResponses(400, 503) } } }, async (request) =>
    request.actor ? { signedIn: true as const, ...(await accounts.me(request.actor.userId)) } : { signedIn: false as const },
  );

  app.get('/session/csrf', { schema: { tags, operationId: 'getCsrfToken', summary: "This session's CSRF token (after a page reload)", security: SECURITY.signedIn, response: { 200: Type.Object({ csrfToken: Type.String() }), ...readErrors } }, onRequest: requireUser }, async (request) => ({
    csrfToken: request.csrfToken!,
  }));

  app.get('/me', { schema: { tags, operationId: 'getMe', summary: 'The signed-in user and their accounts', security: SECURITY.signedIn, response: { 200: Me, ...readErrors } }, onRequest: requireUser }, async (request) =>
    accounts.me(request.actor!.userId),
  );

  app.get('/setup', { schema: { tags, operationId: 'getSetupLinkState', summary: 'First run: what the one-time setup link can still do, checked when the setup page opens', security: SECURITY.public, querystring: SetupLinkQuery, response: { 200: SetupLinkState, ...errorResponses(400, 503) } } }, async (request) => ({
    state: await accounts.setupLinkState(request.query.token),
  }));

  app.post('/setup', { bodyLimit: SIGN_IN_BODY_LIMIT_BYTES, schema: { tags, operationId: 'completeSetup', summary: 'First run: create the first administrator and account from the one-time setup link', security: SECURITY.public, body: SetupBody, response: { 200: SessionResponse, ...errorResponses(401, 404, 409, 429, 503, ...BODY_ERRORS) } } }, async (request, reply) => {
    const { token, ...input } = request.body;
    await accounts.completeSetup(token, input);
    return signIn(request, reply, input.email, input.password);
  });
};
