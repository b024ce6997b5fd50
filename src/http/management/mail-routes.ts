/** The management API for an account's e-mail notification settings (Account Administrators only). */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { MailService } from '../../mail/index.js';
import { BODY_ERRORS, errorResponses, SECURITY } from '../openapi.js';
import { MailSettingsSchema, UpdateMailSettingsBody, toMailSettingsDto } from './mail-schemas.js';
import { requireUser } from './session.js';

const AccountParams = Type.Object({ accountId: Type.String({ maxLength: 64 }) });

export const mailRoutes: FastifyPluginAsyncTypebox<{ mail: Pick<MailService, 'settings' | 'updateSettings'> }> = async (plain, { mail }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireUser);
  const M = '/accounts/:accountId/mail-settings';
  app.get(M, { schema: { tags: ['webhooks'], security: SECURITY.signedIn, operationId: 'getMailSettings', summary: 'Whether e-mail is on, the digest choice, and which events mail whom', params: AccountParams, response: { 200: MailSettingsSchema, ...errorResponses(400, 401, 403, 404, 503) } } }, async (req) =>
    toMailSettingsDto(await mail.settings(req.actor!, req.params.accountId)),
  );
  app.patch(M, { schema: { tags: ['webhooks'], security: SECURITY.signedInMutation, operationId: 'updateMailSettings', summary: 'Change the digest choice or which events mail the primary contact and the developers', params: AccountParams, body: UpdateMailSettingsBody, response: { 200: MailSettingsSchema, ...errorResponses(400, 401, 403, 404, 503, ...BODY_ERRORS) } } }, async (req) =>
    toMailSettingsDto(await mail.updateSettings(req.actor!, req.params.accountId, req.body)),
  );
};
