/** The management API for an account's webhook endpoints and their delivery log (Account Administrators only). */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Delivery, WebhookEndpoint, WebhookService } from '../../webhooks/index.js';
import type { MailService } from '../../mail/index.js';
import { toSentMailDto } from './mail-schemas.js';
import { BODY_ERRORS, errorResponses, SECURITY } from '../openapi.js';
import { iso, isoOrNull } from './dto.js';
import { NoFieldsBody } from './schemas.js';
import { requireUser } from './session.js';
import { CreateWebhookBody, DeliveryList, DeliverySchema, RotateSecretBody, TokenActivity, UpdateWebhookBody, WebhookList, WebhookSchema, WebhookWithSecret, type DeliveryDto, type WebhookDto } from './webhook-schemas.js';

const read = { tags: ['webhooks'], security: SECURITY.signedIn };
const write = { tags: ['webhooks'], security: SECURITY.signedInMutation };
const readErrors = errorResponses(400, 401, 403, 404, 503);
const writeErrors = errorResponses(400, 401, 403, 404, 503, ...BODY_ERRORS);
const AccountParams = Type.Object({ accountId: Type.String({ maxLength: 64 }) });
const WebhookParams = Type.Object({ accountId: Type.String({ maxLength: 64 }), webhookId: Type.String({ maxLength: 64 }) });
const TokenParams = Type.Object({ accountId: Type.String({ maxLength: 64 }), tokenId: Type.String({ maxLength: 64 }) });
const DeliveryParams = Type.Object({ accountId: Type.String({ maxLength: 64 }), webhookId: Type.String({ maxLength: 64 }), deliveryId: Type.String({ maxLength: 64 }) });

const toWebhookDto = (w: WebhookEndpoint): WebhookDto => ({ ...w, previousSecretExpiresAt: isoOrNull(w.previousSecretExpiresAt), createdAt: iso(w.createdAt), updatedAt: iso(w.updatedAt) });
const toDeliveryDto = ({ endpointId, ...d }: Delivery): DeliveryDto => ({
  ...d,
  webhookId: endpointId,
  nextAttemptAt: isoOrNull(d.nextAttemptAt),
  createdAt: iso(d.createdAt),
  attempts: d.attempts.map((a) => ({ ...a, at: iso(a.at) })),
});

export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService; mail: Pick<MailService, 'messagesOf'> }> = async (plain, { webhooks, mail }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireUser);
  const W = '/accounts/:accountId/webhooks';

  app.get(W, { schema: { ...read, operationId: 'listWebhooks', summary: "The account's webhook endpoints", params: AccountParams, response: { 200: WebhookList, ...readErrors } } }, async (req) => ({
    items: (await webhooks.list(req.actor!, req.params.accountId)).map(toWebhookDto),
  }));
  app.post(W, { schema: { ...write, operationId: 'createWebhook', summary: 'Add an endpoint; its signing secret is in this answer only', params: AccountParams, body: CreateWebhookBody, response: { 201: WebhookWithSecret, ...writeErrors } } }, async (req, reply) => {
    const created = await webhooks.create(req.actor!, req.params.accountId, req.body);
    return reply.status(201).send({ webhook: toWebhookDto(created.endpoint), secret: created.secret });
  });
  app.get(`${W}/:webhookId`, { schema: { ...read, operationId: 'getWebhook', summary: 'One endpoint', params: WebhookParams, response: { 200: WebhookSchema, ...readErrors } } }, async (req) =>
    toWebhookDto(await webhooks.get(req.actor!, req.params.accountId, req.params.webhookId)),
  );
  app.patch(`${W}/:webhookId`, { schema: { ...write, operationId: 'updateWebhook', summary: 'Change the URL, events, description or state', params: WebhookParams, body: UpdateWebhookBody, response: { 200: WebhookSchema, ...writeErrors } } }, async (req) =>
    toWebhookDto(await webhooks.update(req.actor!, req.params.accountId, req.params.webhookId, req.body)),
  );
  app.delete(`${W}/:webhookId`, { schema: { ...write, operationId: 'deleteWebhook', summary: 'Delete the endpoint and its delivery log', params: WebhookParams, response: { 204: Type.Null({ description: 'Deleted' }), ...writeErrors } } }, async (req, reply) => {
    await webhooks.delete(req.actor!, req.params.accountId, req.params.webhookId);
    return reply.status(204).send(null);
  });
  app.post(`${W}/:webhookId/rotate-secret`, { schema: { ...write, operationId: 'rotateWebhookSecret', summary: 'New signing secret (shown once); the current one keeps signing for overlapSeconds', params: WebhookParams, body: RotateSecretBody, response: { 200: WebhookWithSecret, ...writeErrors } } }, async (req) => {
    const rotated = await webhooks.rotateSecret(req.actor!, req.params.accountId, req.params.webhookId, { overlapSeconds: req.body?.overlapSeconds });
    return { webhook: toWebhookDto(rotated.endpoint), secret: rotated.secret };
  });
  app.get(`${W}/:webhookId/deliveries`, { schema: { ...read, operationId: 'listWebhookDeliveries', summary: 'The delivery log: newest first, every attempt with its status code, duration and error', params: WebhookParams, response: { 200: DeliveryList, ...readErrors } } }, async (req) => ({
    items: (await webhooks.deliveries(req.actor!, req.params.accountId, req.params.webhookId)).map(toDeliveryDto),
  }));
  app.post(`${W}/:webhookId/deliveries/:deliveryId/redeliver`, { schema: { ...write, operationId: 'redeliverWebhook', summary: "Send the delivery's event again (same Sidekey-Event-Id)", params: DeliveryParams, body: NoFieldsBody, response: { 201: DeliverySchema, ...writeErrors } } }, async (req, reply) =>
    reply.status(201).send(toDeliveryDto(await webhooks.redeliver(req.actor!, req.params.accountId, req.params.webhookId, req.params.deliveryId))),
  );
  app.get('/accounts/:accountId/tokens/:tokenId/lifecycle-events', { schema: { tags: ['tokens'], security: SECURITY.signedIn, operationId: 'listTokenLifecycleEvents', summary: "The token's lifecycle events, newest first, with the webhook deliveries and e-mails each produced", params: TokenParams, response: { 200: TokenActivity, ...readErrors } } }, async (req) => {
    const activity = await webhooks.tokenActivity(req.actor!, req.params.accountId, req.params.tokenId);
    const mails = await mail.messagesOf(req.params.accountId, activity.map((a) => a.event.id));
    return {
      items: activity.map((a) => ({ event: a.event, dispatchedAt: isoOrNull(a.dispatchedAt), deliveries: a.deliveries.map(toDeliveryDto), emails: mails.filter((m) => m.eventId === a.event.id).map(toSentMailDto) })),
    };
  });
};
