/** The management API for an account's API settings and tokens. Routes translate HTTP to service calls, nothing more. */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Catalog, describeCatalog } from '../../domain/catalog.js';
import type { TokenService } from '../../tokens/service.js';
import {
  ApiSettings,
  AuditEventList,
  CatalogSchema,
  CreateTokenBody,
  Credentials,
  NoFieldsBody,
  ResetBody,
  TokenList,
  TokenListQuery,
  TokenSchema,
  TokenSettingsSchema,
  TokenWithSecret,
  UpgradeBody,
  UpgradeResult,
  UsageSchema,
} from './schemas.js';
import { toEventDto, toTokenDto, isoOrNull } from './dto.js';
import { requireUser } from './session.js';
import { BODY_ERRORS, errorResponses, SECURITY } from '../openapi.js';

const read = { tags: ['tokens'], security: SECURITY.signedIn };
const write = { tags: ['tokens'], security: SECURITY.signedInMutation };
/** Every signed-in route: bad parameters, not signed in, not allowed, no such account or token, the database late. */
const readErrors = errorResponses(400, 401, 403, 404, 503);
/** A mutation can also carry a body that is too large or not JSON. */
const writeErrors = errorResponses(400, 401, 403, 404, 503, ...BODY_ERRORS);
/** Most mutations depend on a state that may forbid them (API access off, a concurrent change). */
const writeOrConflictErrors = errorResponses(400, 401, 403, 404, 409, 503, ...BODY_ERRORS);
const AccountParams = Type.Object({ accountId: Type.String({ maxLength: 64 }) });
const TokenParams = Type.Object({ accountId: Type.String({ maxLength: 64 }), tokenId: Type.String({ maxLength: 64 }) });

export interface TokenRoutesDeps {
  tokens: TokenService;
  catalog: Catalog;
}

export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRoutesDeps> = async (app, { tokens, catalog }) => {
  const described = describeCatalog(catalog);

  app.get('/catalog', { schema: { tags: ['catalog'], operationId: 'getCatalog', summary: 'API versions and the scopes a token can be granted (public)', security: SECURITY.public, response: { 200: CatalogSchema, ...errorResponses(400, 503) } } }, async () => described);

  await app.register(async (plain) => {
    const scoped = plain.withTypeProvider<TypeBoxTypeProvider>();
    // onRequest, before the body is parsed and validated: an anonymous caller or a missing CSRF token is told
    // 401/403, not how its input would have been judged.
    scoped.addHook('onRequest', requireUser);

    scoped.get('/accounts/:accountId/api-settings', { schema: { ...read, operationId: 'getApiSettings', summary: 'Whether API access and legacy tokens are enabled', params: AccountParams, response: { 200: ApiSettings, ...readErrors } } }, async (req) =>
      tokens.apiSettings(req.actor!, req.params.accountId),
    );
    scoped.post('/accounts/:accountId/api-access', { schema: { ...write, operationId: 'enableApiAccess', summary: 'Enable API access', params: AccountParams, body: NoFieldsBody, response: { 200: ApiSettings, ...writeErrors } } }, async (req) =>
      tokens.enableApiAccess(req.actor!, req.params.accountId),
    );
    scoped.post('/accounts/:accountId/legacy-tokens', { schema: { ...write, operationId: 'enableLegacyTokens', summary: 'Enable legacy tokens (creates the Read/Write and Read-Only pairs once)', params: AccountParams, body: NoFieldsBody, response: { 200: ApiSettings, ...writeOrConflictErrors } } }, async (req) =>
      tokens.enableLegacyTokens(req.actor!, req.params.accountId),
    );

    scoped.get('/accounts/:accountId/tokens', { schema: { ...read, operationId: 'listTokens', summary: 'List tokens: newest first, filtered, cursor-paginated', params: AccountParams, querystring: TokenListQuery, response: { 200: TokenList, ...readErrors } } }, async (req) => {
      const page = await tokens.list(req.actor!, req.params.accountId, req.query);
      return { items: page.items.map((t) => toTokenDto(t)), nextCursor: page.nextCursor };
    });
    scoped.post('/accounts/:accountId/tokens', { schema: { ...write, operationId: 'createToken', summary: 'Create a scoped token, or a canary token (kind: canary); the Auth Token is in the response', params: AccountParams, body: CreateTokenBody, response: { 201: TokenWithSecret, ...writeOrConflictErrors } } }, async (req, reply) => {
      const issued = await tokens.create(req.actor!, req.params.accountId, req.body);
      return reply.status(201).send({ token: toTokenDto(issued.token), authToken: issued.authToken });
    });
    scoped.get('/accounts/:accountId/tokens/:tokenId', { schema: { ...read, operationId: 'getToken', summary: 'One token', params: TokenParams, response: { 200: TokenSchema, ...readErrors } } }, async (req) =>
      toTokenDto(await tokens.get(req.actor!, req.params.accountId, req.params.tokenId)),
    );
    scoped.patch('/accounts/:accountId/tokens/:tokenId', { schema: { ...write, operationId: 'updateToken', summary: 'Edit name, description, contacts, scopes and controls', params: TokenParams, body: TokenSettingsSchema, response: { 200: TokenSchema, ...writeOrConflictErrors } } }, async (req) =>
      toTokenDto(await tokens.update(req.actor!, req.params.accountId, req.params.tokenId, req.body)),
    );
    scoped.delete('/accounts/:accountId/tokens/:tokenId', { schema: { ...write, operationId: 'deleteToken', summary: 'Delete (the audit history stays)', params: TokenParams, response: { 204: Type.Null({ description: 'Deleted' }), ...writeOrConflictErrors } } }, async (req, reply) => {
      await tokens.delete(req.actor!, req.params.accountId, req.params.tokenId);
      return reply.status(204).send(null);
    });
    scoped.post('/accounts/:accountId/tokens/:tokenId/duplicate', { schema: { ...write, operationId: 'duplicateToken', summary: 'Copy with a new SID and secret', params: TokenParams, body: NoFieldsBody, response: { 201: TokenWithSecret, ...writeOrConflictErrors } } }, async (req, reply) => {
      const issued = await tokens.duplicate(req.actor!, req.params.accountId, req.params.tokenId);
      return reply.status(201).send({ token: toTokenDto(issued.token), authToken: issued.authToken });
    });
    // The body is optional: Fastify validates a request without one as null, so null must be allowed.
    scoped.post('/accounts/:accountId/tokens/:tokenId/reset', { schema: { ...write, operationId: 'resetToken', summary: 'New Auth Token; the old one fails at once or after graceSeconds', params: TokenParams, body: Type.Union([ResetBody, Type.Null()]), response: { 200: TokenWithSecret, ...writeOrConflictErrors } } }, async (req) => {
      const issued = await tokens.reset(req.actor!, req.params.accountId, req.params.tokenId, { graceSeconds: req.body?.graceSeconds });
      return { token: toTokenDto(issued.token), authToken: issued.authToken };
    });
    scoped.post('/accounts/:accountId/tokens/:tokenId/upgrade', { schema: { ...write, operationId: 'upgradeToken', summary: 'Move to a newer API version; scopes absent there are dropped and listed', params: TokenParams, body: UpgradeBody, response: { 200: UpgradeResult, ...writeOrConflictErrors } } }, async (req) => {
      const result = await tokens.upgrade(req.actor!, req.params.accountId, req.params.tokenId, req.body.apiVersion);
      return { token: toTokenDto(result.token), droppedScopes: result.droppedScopes };
    });
    for (const state of ['disable', 'enable'] as const) {
      scoped.post(`/accounts/:accountId/tokens/:tokenId/${state}`, { schema: { ...write, operationId: `${state}Token`, summary: state === 'disable' ? 'Disable: the token stops authenticating at once' : 'Enable', params: TokenParams, body: NoFieldsBody, response: { 200: TokenSchema, ...writeOrConflictErrors } } }, async (req) =>
        toTokenDto(await tokens.setState(req.actor!, req.params.accountId, req.params.tokenId, state === 'disable' ? 'disabled' : 'enabled')),
      );
    }
    scoped.get('/accounts/:accountId/tokens/:tokenId/credentials', { schema: { ...read, operationId: 'revealCredentials', summary: 'Account SID and Auth Token in clear (audited)', params: TokenParams, response: { 200: Credentials, ...readErrors, ...errorResponses(409) } } }, async (req) =>
      tokens.revealCredentials(req.actor!, req.params.accountId, req.params.tokenId),
    );
    scoped.get('/accounts/:accountId/tokens/:tokenId/events', { schema: { ...read, operationId: 'listTokenEvents', summary: 'Audit trail, newest first', params: TokenParams, response: { 200: AuditEventList, ...readErrors } } }, async (req) => ({
      items: (await tokens.events(req.actor!, req.params.accountId, req.params.tokenId)).map(toEventDto),
    }));
    scoped.get('/accounts/:accountId/tokens/:tokenId/usage', { schema: { ...read, operationId: 'getTokenUsage', summary: 'Requests per UTC day for the last 30 days, allowed and denied by code', params: TokenParams, response: { 200: UsageSchema, ...readErrors } } }, async (req) => {
      const usage = await tokens.usage(req.actor!, req.params.accountId, req.params.tokenId);
      return { ...usage, lastUsedAt: isoOrNull(usage.lastUsedAt) };
    });
  });
};
