/** The wire shapes of e-mail notification settings and of the e-mails an event produced. */
import { Type, type Static } from 'typebox';
import { LIFECYCLE_EVENT_TYPES } from '../../domain/lifecycle-events.js';
import { MAIL_DELIVERIES } from '../../domain/mail.js';
import type { MailSettingsView, SentMail } from '../../mail/index.js';

const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([Type.Null(), schema]);
const EventTypes = (description: string) => Type.Array(Type.Enum([...LIFECYCLE_EVENT_TYPES]), { maxItems: LIFECYCLE_EVENT_TYPES.length * 2, description });
const Delivery = Type.Enum([...MAIL_DELIVERIES], { description: '`immediate`: one e-mail per event; `hourly` / `daily`: one digest per recipient per UTC hour / UTC day' });

const Events = Type.Object(
  {
    primaryContact: EventTypes("the event types mailed to the token's primary contact"),
    developers: EventTypes("the event types mailed to the token's developer e-mails"),
  },
  { additionalProperties: false },
);

export const MailSettingsSchema = Type.Object({
  enabled: Type.Boolean({ description: 'whether this deployment sends e-mail (its operator set SMTP_URL); when false nothing is mailed whatever the settings say' }),
  from: Nullable(Type.String({ description: 'the sender (MAIL_FROM)' })),
  delivery: Delivery,
  events: Events,
});
export type MailSettingsDto = Static<typeof MailSettingsSchema>;

export const UpdateMailSettingsBody = Type.Object(
  { delivery: Type.Optional(Delivery), events: Type.Optional(Type.Partial(Events, { additionalProperties: false })) },
  { additionalProperties: false },
);

export const SentMailSchema = Type.Object({
  id: Type.String(),
  recipient: Type.String(),
  delivery: Delivery,
  status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  eventCount: Type.Integer({ description: 'how many events the e-mail lists (more than one: a digest)' }),
  sendAt: IsoTime,
  nextAttemptAt: Nullable(IsoTime),
  sentAt: Nullable(IsoTime),
  lastError: Nullable(Type.String({ description: "the SMTP server's answer, or why it could not be reached, on the last failed attempt" })),
});
export type SentMailDto = Static<typeof SentMailSchema>;

const iso = (ms: number) => new Date(ms).toISOString();
export const toSentMailDto = ({ eventId: _, ...m }: SentMail): SentMailDto => ({ ...m, sendAt: iso(m.sendAt), nextAttemptAt: m.nextAttemptAt === null ? null : iso(m.nextAttemptAt), sentAt: m.sentAt === null ? null : iso(m.sentAt) });
export const toMailSettingsDto = (s: MailSettingsView): MailSettingsDto => ({ enabled: s.enabled, from: s.from, delivery: s.delivery, events: s.events });
