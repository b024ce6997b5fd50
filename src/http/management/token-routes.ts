/** The management API for an account's API settings and tokens. Routes translate HTTP to service calls, nothing more. */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AccountService } from '../../accounts/service.js';
import { type Catalog, describeCatalog } from '../../domain/catalog.js';
import type { TokenService } from '../../tokens/service.js';
import {
  AccountUserList,
  ApiSettings,
  AuditEventList,
  CatalogSchema,
  Credentials,
  ErrorEnvelope,
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

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope };
const AccountParams = Type.Object({ accountId: Type.String({ maxLength: 64 }) });
const TokenParams = Type.Object({ accountId: Type.String({ maxLength: 64 }), tokenId: Type.String({ maxLength: 64 }) });

export interface TokenRoutesDeps {
  tokens: TokenService;
  accounts: Pick<AccountService, 'listUsers'>;
  catalog: Catalog;
}

export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRoutesDeps> = async (app, { tokens, accounts, catalog }) => {
  const described = describeCatalog(catalog);

  app.get('/catalog', { schema: { tags: ['catalog'], summary: 'API versions and the scopes a token can be granted (public)', response: { 200: CatalogSchema } } }, async () => described);

  await app.register(async (plain) => {
    const scoped = plain.withTypeProvider<TypeBoxTypeProvider>();
    // onRequest, before the body is parsed and validated: an anonymous caller or a missing CSRF token is told
    // 401/403, not how its input would have been judged.
    scoped.addHook('onRequest', requireUser);
    const tag = { tags: ['tokens'] };

    scoped.get('/accounts/:accountId/api-settings', { schema: { ...tag, summary: 'Whether API access and legacy tokens are enabled', params: AccountParams, response: { 200: ApiSettings, ...errors } } }, async (req) =>
      tokens.apiSettings(req.actor!, req.params.accountId),
    );
    scoped.post('/accounts/:accountId/api-access', { schema: { ...tag, summary: 'Enable API access', params: AccountParams, response: { 200: ApiSettings, ...errors } } }, async (req) =>
      tokens.enableApiAccess(req.actor!, req.params.accountId),
    );
    scoped.post('/accounts/:accountId/legacy-tokens', { schema: { ...tag, summary: 'Enable legacy tokens (creates the Read/Write and Read-Only pairs once)', params: AccountParams, response: { 200: ApiSettings, ...errors } } }, async (req) =>
      tokens.enableLegacyTokens(req.actor!, req.params.accountId),
    );
    scoped.get('/accounts/:accountId/users', { schema: { ...tag, summary: "The account's users (primary-contact picker)", params: AccountParams, response: { 200: AccountUserList, ...errors } } }, async (req) => ({
      items: await accounts.listUsers(req.actor!, req.params.accountId),
    }));

    scoped.get('/accounts/:accountId/tokens', { schema: { ...tag, summary: 'List tokens: newest first, filtered, cursor-paginated', params: AccountParams, querystring: TokenListQuery, response: { 200: TokenList, ...errors } } }, async (req) => {
      const page = await tokens.list(req.actor!, req.params.accountId, req.query);
      return { items: page.items.map((t) => toTokenDto(t)), nextCursor: page.nextCursor };
    });
    scoped.post('/accounts/:accountId/tokens', { schema: { ...tag, summary: 'Create a scoped token; the Auth Token is in the response', params: AccountParams, body: TokenSettingsSchema, response: { 201: TokenWithSecret, ...errors } } }, async (req, reply) => {
      const issued = await tokens.create(req.actor!, req.params.accountId, req.body);
      return reply.status(201).send({ token: toTokenDto(issued.token), authToken: issued.authToken });
    });
    scoped.get('/accounts/:accountId/tokens/:tokenId', { schema: { ...tag, summary: 'One token', params: TokenParams, response: { 200: TokenSchema, ...errors } } }, async (req) =>
      toTokenDto(await tokens.get(req.actor!, req.params.accountId, req.params.tokenId)),
    );
    scoped.patch('/accounts/:accountId/tokens/:tokenId', { schema: { ...tag, summary: 'Edit name, description, contacts, scopes and controls', params: TokenParams, body: TokenSettingsSchema, response: { 200: TokenSchema, ...errors } } }, async (req) =>
      toTokenDto(await tokens.update(req.actor!, req.params.accountId, req.params.tokenId, req.body)),
    );
    scoped.delete('/accounts/:accountId/tokens/:tokenId', { schema: { ...tag, summary: 'Delete (the audit history stays)', params: TokenParams, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
      await tokens.delete(req.actor!, req.params.accountId, req.params.tokenId);
      return reply.status(204).send(null);
    });
    scoped.post('/accounts/:accountId/tokens/:tokenId/duplicate', { schema: { ...tag, summary: 'Copy with a new SID and secret', params: TokenParams, response: { 201: TokenWithSecret, ...errors } } }, async (req, reply) => {
      const issued = await tokens.duplicate(req.actor!, req.params.accountId, req.params.tokenId);
      return reply.status(201).send({ token: toTokenDto(issued.token), authToken: issued.authToken });
    });
    // The body is optional: Fastify validates a request without one as null, so null must be allowed.
    scoped.post('/accounts/:accountId/tokens/:tokenId/reset', { schema: { ...tag, summary: 'New Auth Token; the old one fails at once or after graceSeconds', params: TokenParams, body: Type.Union([ResetBody, Type.Null()]), response: { 200: TokenWithSecret, ...errors } } }, async (req) => {
      const issued = await tokens.reset(req.actor!, req.params.accountId, req.params.tokenId, { graceSeconds: req.body?.graceSeconds });
      return { token: toTokenDto(issued.token), authToken: issued.authToken };
    });
    scoped.post('/accounts/:accountId/tokens/:tokenId/upgrade', { schema: { ...tag, summary: 'Move to a newer API version; scopes absent there are dropped and listed', params: TokenParams, body: UpgradeBody, response: { 200: UpgradeResult, ...errors } } }, async (req) => {
      const result = await tokens.upgrade(req.actor!, req.params.accountId, req.params.tokenId, req.body.apiVersion);
      return { token: toTokenDto(result.token), droppedScopes: result.droppedScopes };
    });
    for (const state of ['disable', 'enable'] as const) {
      scoped.post(`/accounts/:accountId/tokens/:tokenId/${state}`, { schema: { ...tag, summary: state === 'disable' ? 'Disable: the token stops authenticating at once' : 'Enable', params: TokenParams, response: { 200: TokenSchema, ...errors } } }, async (req) =>
        toTokenDto(await tokens.setState(req.actor!, req.params.accountId, req.params.tokenId, state === 'disable' ? 'disabled' : 'enabled')),
      );
    }
    scoped.get('/accounts/:accountId/tokens/:tokenId/credentials', { schema: { ...tag, summary: 'Account SID and Auth Token in clear (audited)', params: TokenParams, response: { 200: Credentials, ...errors } } }, async (req) =>
      tokens.revealCredentials(req.actor!, req.params.accountId, req.params.tokenId),
    );
    scoped.get('/accounts/:accountId/tokens/:tokenId/events', { schema: { ...tag, summary: 'Audit trail, newest first', params: TokenParams, response: { 200: AuditEventList, ...errors } } }, async (req) => ({
      items: (await tokens.events(req.actor!, req.params.accountId, req.params.tokenId)).map(toEventDto),
    }));
    scoped.get('/accounts/:accountId/tokens/:tokenId/usage', { schema: { ...tag, summary: 'Requests per UTC day for the last 30 days, allowed and denied by code', params: TokenParams, response: { 200: UsageSchema, ...errors } } }, async (req) => {
      const usage = await tokens.usage(req.actor!, req.params.accountId, req.params.tokenId);
      return { ...usage, lastUsedAt: isoOrNull(usage.lastUsedAt) };
    });
  });
};
