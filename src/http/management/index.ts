/**
 * The management API (mounted at /api/v1 by http/app.ts): sessions for the web UI, an account's API settings,
 * its tokens and their audit trail, and its users. Sessions are resolved only here: verification and gateway requests never
 * pay for a session lookup.
 */
import type { FastifyInstance } from 'fastify';
import type { AccountService } from '../../accounts/service.js';
import type { Catalog } from '../../domain/catalog.js';
import type { TokenService } from '../../tokens/service.js';
import { rejectUnsafeInput } from '../errors.js';
import { sessionPlugin } from './session.js';
import { sessionRoutes } from './session-routes.js';
import { tokenRoutes } from './token-routes.js';
import { exposureRoutes } from './exposure-routes.js';
import type { WebhookService } from '../../webhooks/index.js';
import { webhookRoutes } from './webhook-routes.js';
import type { MailService } from '../../mail/index.js';
import { mailRoutes } from './mail-routes.js';
import { userRoutes } from './user-routes.js';

export interface ManagementDeps {
  accounts: Pick<AccountService, 'session' | 'login' | 'logout' | 'me' | 'completeSetup' | 'setupLinkState' | 'listUsers' | 'addUser' | 'changeRole' | 'removeUser' | 'updateProfile' | 'changePassword' | 'inviteState' | 'acceptInvite'>;
  tokens: TokenService;
  webhooks: WebhookService;
  mail: MailService;
  catalog: Catalog;
  sessionTtlSeconds: number;
  publicUrl?: string;
}

export async function managementApi(api: FastifyInstance, deps: ManagementDeps): Promise<void> {
  await api.register(sessionPlugin, { accounts: deps.accounts });
  api.addHook('preValidation', rejectUnsafeInput);
  await api.register(sessionRoutes, { accounts: deps.accounts, sessionTtlSeconds: deps.sessionTtlSeconds });
  await api.register(tokenRoutes, { tokens: deps.tokens, catalog: deps.catalog });
  await api.register(exposureRoutes, { tokens: deps.tokens });
  await api.register(webhookRoutes, { webhooks: deps.webhooks, mail: deps.mail });
  await api.register(mailRoutes, { mail: deps.mail });
  await api.register(userRoutes, { accounts: deps.accounts, sessionTtlSeconds: deps.sessionTtlSeconds, publicUrl: deps.publicUrl });
}
