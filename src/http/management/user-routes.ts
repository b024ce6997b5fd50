/**
 * Users: an account's members (listed by token managers, managed by Account Administrators), the signed-in
 * user's own profile and password, and the public invite link with which an invited user sets a password.
 * Routes translate HTTP to service calls; the rules (who may, the last administrator) are the service's.
 */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AccountService } from '../../accounts/service.js';
import { SIGN_IN_BODY_LIMIT_BYTES } from '../../domain/input.js';
import { inviteUrl } from '../../domain/invites.js';
import { BODY_ERRORS, errorResponses, SECURITY } from '../openapi.js';
import { iso, toAccountUserDto } from './dto.js';
import {
  AcceptInviteBody,
  AccountUser,
  AccountUserList,
  AddedUser,
  AddUserBody,
  ChangePasswordBody,
  ChangeRoleBody,
  InviteState,
  InviteTokenBody,
  Me,
  PasswordChanged,
  ProfileBody,
  SessionResponse,
} from './schemas.js';
import { requireUser, signIn } from './session.js';

const read = { tags: ['users'], security: SECURITY.signedIn };
const write = { tags: ['users'], security: SECURITY.signedInMutation };
const readErrors = errorResponses(400, 401, 403, 404, 503);
/** 409: already a member, or the change would leave the account without an Account Administrator. */
const writeErrors = errorResponses(400, 401, 403, 404, 409, 503, ...BODY_ERRORS);
const AccountParams = Type.Object({ accountId: Type.String({ maxLength: 64 }) });
const UserParams = Type.Object({ accountId: Type.String({ maxLength: 64 }), userId: Type.String({ maxLength: 64 }) });

export interface UserRoutesDeps {
  accounts: Pick<AccountService, 'listUsers' | 'addUser' | 'changeRole' | 'removeUser' | 'updateProfile' | 'changePassword' | 'inviteState' | 'acceptInvite' | 'login' | 'me'>;
  sessionTtlSeconds: number;
  /** PUBLIC_URL: the base of invite links; unset, the address this request came to. */
  publicUrl?: string;
}

export const userRoutes: FastifyPluginAsyncTypebox<UserRoutesDeps> = async (app, { accounts, sessionTtlSeconds, publicUrl }) => {
  await app.register(async (plain) => {
    const scoped = plain.withTypeProvider<TypeBoxTypeProvider>();
    scoped.addHook('onRequest', requireUser);

    scoped.get('/accounts/:accountId/users', { schema: { ...read, operationId: 'listAccountUsers', summary: "The account's users with their roles and last sign-in (also the primary-contact picker)", params: AccountParams, response: { 200: AccountUserList, ...readErrors } } }, async (req) => ({
      items: (await accounts.listUsers(req.actor!, req.params.accountId)).map(toAccountUserDto),
    }));
    scoped.post('/accounts/:accountId/users', { schema: { ...write, operationId: 'addAccountUser', summary: 'Add a user with a role: an initial password, or a one-time invite link (Account Administrators)', params: AccountParams, body: AddUserBody, response: { 201: AddedUser, ...writeErrors } } }, async (req, reply) => {
      const added = await accounts.addUser({ ...req.body, accountId: req.params.accountId }, req.actor!);
      const base = publicUrl ?? `${req.protocol}://${req.host}`;
      return reply.status(201).send({
        user: toAccountUserDto(added.user),
        existing: added.existing,
        inviteUrl: added.invite ? inviteUrl(base, added.invite.token) : null,
        inviteExpiresAt: added.invite ? iso(added.invite.expiresAt) : null,
      });
    });
    scoped.patch('/accounts/:accountId/users/:userId', { schema: { ...write, operationId: 'changeAccountUserRole', summary: "Change a user's role; never the last Account Administrator's (Account Administrators)", params: UserParams, body: ChangeRoleBody, response: { 200: AccountUser, ...writeErrors } } }, async (req) =>
      toAccountUserDto(await accounts.changeRole(req.actor!, req.params.accountId, req.params.userId, req.body.role)),
    );
    scoped.delete('/accounts/:accountId/users/:userId', { schema: { ...write, operationId: 'removeAccountUser', summary: 'Remove a user from the account; never the last Account Administrator (Account Administrators)', params: UserParams, response: { 204: Type.Null({ description: 'Removed' }), ...writeErrors } } }, async (req, reply) => {
      await accounts.removeUser(req.actor!, req.params.accountId, req.params.userId);
      return reply.status(204).send(null);
    });

    scoped.patch('/me', { schema: { ...write, tags: ['session'], operationId: 'updateProfile', summary: 'Change your own name', body: ProfileBody, response: { 200: Me, ...errorResponses(400, 401, 403, 503, ...BODY_ERRORS) } } }, async (req) =>
      accounts.updateProfile(req.actor!, req.body),
    );
    scoped.post('/me/password', { bodyLimit: SIGN_IN_BODY_LIMIT_BYTES, schema: { ...write, tags: ['session'], operationId: 'changePassword', summary: 'Change your password with the current one; your other sessions end, this one stays', body: ChangePasswordBody, response: { 200: PasswordChanged, ...errorResponses(400, 401, 403, 429, 503, ...BODY_ERRORS) } } }, async (req) =>
      accounts.changePassword({ actor: req.actor!, sessionId: req.sessionId! }, req.body),
    );
  });

  app.post('/invite/check', { bodyLimit: SIGN_IN_BODY_LIMIT_BYTES, schema: { tags: ['session'], operationId: 'checkInvite', summary: 'Whether a one-time invite link can still be used, and whom it is for (the invite page asks before its form)', security: SECURITY.public, body: InviteTokenBody, response: { 200: InviteState, ...errorResponses(503, ...BODY_ERRORS) } } }, async (req) =>
    accounts.inviteState(req.body.token),
  );
  app.post('/invite', { bodyLimit: SIGN_IN_BODY_LIMIT_BYTES, schema: { tags: ['session'], operationId: 'acceptInvite', summary: 'Set your password from a one-time invite link, and sign in', security: SECURITY.public, body: AcceptInviteBody, response: { 200: SessionResponse, ...errorResponses(401, 404, 429, 503, ...BODY_ERRORS) } } }, async (req, reply) => {
    const { email } = await accounts.acceptInvite(req.body.token, { password: req.body.password, name: req.body.name });
    return signIn(accounts, sessionTtlSeconds, req, reply, { email, password: req.body.password });
  });
};
