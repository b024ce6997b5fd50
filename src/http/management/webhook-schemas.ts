/** The wire shapes of webhook endpoints and their delivery log (validation, OpenAPI and types, as schemas.ts is for tokens). */
import { Type, type Static } from 'typebox';
import { LIFECYCLE_EVENT_TYPES } from '../../domain/lifecycle-events.js';
import { MAX_SECRET_OVERLAP_SECONDS, WEBHOOK_URL_MAX } from '../../domain/webhooks.js';
import { SentMailSchema } from './mail-schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([Type.Null(), schema]);
const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });

const EventTypeSchema = Type.Enum([...LIFECYCLE_EVENT_TYPES], { description: 'a lifecycle event type (docs/lifecycle-events.md)' });

const fields = {
  url: Type.String({ minLength: 1, maxLength: WEBHOOK_URL_MAX, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'http:// or https://; its host must resolve to public addresses only, unless the operator allows others (WEBHOOK_ALLOWED_PRIVATE_TARGETS)' }),
  description: Type.String({ maxLength: 500 }),
  events: Type.Array(EventTypeSchema, { minItems: 1, maxItems: LIFECYCLE_EVENT_TYPES.length * 2, description: 'the event types sent to this endpoint' }),
  state: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
};

export const WebhookSchema = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  url: fields.url,
  description: Type.String(),
  events: Type.Array(EventTypeSchema),
  state: fields.state,
  previousSecretExpiresAt: Nullable(IsoTime),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type WebhookDto = Static<typeof WebhookSchema>;
export const WebhookList = Type.Object({ items: Type.Array(WebhookSchema) });
export const WebhookWithSecret = Type.Object({
  webhook: WebhookSchema,
  secret: Type.String({ description: 'the signing secret (whsec_…): shown in this answer only' }),
});

export const CreateWebhookBody = Type.Object(
  { url: fields.url, events: fields.events, description: Type.Optional(fields.description), state: Type.Optional(fields.state) },
  { additionalProperties: false },
);
export const UpdateWebhookBody = Type.Object(
  { url: Type.Optional(fields.url), events: Type.Optional(fields.events), description: Type.Optional(fields.description), state: Type.Optional(fields.state) },
  { additionalProperties: false },
);
export const RotateSecretBody = Type.Union([
  Type.Null(),
  Type.Object(
    { overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SECRET_OVERLAP_SECONDS, description: 'how long the current secret keeps signing beside the new one (default 86400)' })) },
    { additionalProperties: false },
  ),
]);

export const DeliverySchema = Type.Object({
  id: Type.String(),
  webhookId: Type.String(),
  eventId: Type.String({ description: 'the Sidekey-Event-Id header: the same for every attempt and redelivery of one event' }),
  eventType: Type.String(),
  tokenId: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  nextAttemptAt: Nullable(IsoTime),
  createdAt: IsoTime,
  attempts: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      at: IsoTime,
      statusCode: Nullable(Type.Integer()),
      durationMs: Type.Integer(),
      error: Nullable(Type.String()),
    }),
  ),
});
export type DeliveryDto = Static<typeof DeliverySchema>;
export const DeliveryList = Type.Object({ items: Type.Array(DeliverySchema) });

export const TokenActivity = Type.Object({
  items: Type.Array(
    Type.Object({
      event: Type.Object(
        { id: Type.String(), type: EventTypeSchema, occurredAt: IsoTime, accountId: Type.String(), token: Type.Object({ id: Type.String(), accountSid: Type.String(), name: Type.String() }), actor: Type.Record(Type.String(), Type.String()), data: Type.Record(Type.String(), Type.Unknown()) },
        { description: 'the event as webhooks receive it (docs/lifecycle-events.md)' },
      ),
      dispatchedAt: Nullable(IsoTime),
      deliveries: Type.Array(DeliverySchema),
      emails: Type.Array(SentMailSchema, { description: 'the e-mails the event produced, one per recipient (none when this deployment sends no e-mail)' }),
    }),
  ),
});
export type TokenActivityDto = Static<typeof TokenActivity>;
