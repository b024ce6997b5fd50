/**
 * The management API's wire shapes: one definition for validation (Fastify), the OpenAPI document and
 * the TypeScript types that the web UI and the SDK import. Change a shape here and every side follows.
 */
import { Type, type Static } from 'typebox';
import { ERROR_CODES } from '../../domain/errors.js';
import { LIMITS, NAME_PATTERN } from '../../domain/fields.js';
import { PASSWORD_HINT, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_PATTERN } from '../../domain/password.js';

// Null first: ajv coerces types (query strings → integers), and with the string branch first it would turn null into "".
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([Type.Null(), schema]);
const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });

export const ERROR_ENVELOPE_ID = 'ErrorEnvelope';

/** Every error answer of every entrance (the routes refer to it by ERROR_ENVELOPE_ID: http/openapi.ts). */
export const ErrorEnvelope = Type.Object(
  {
    Status: Type.Literal('ERROR'),
    Message: Type.String(),
    Errors: Type.Array(Type.Object({ Field: Type.String(), Message: Type.String() })),
    Code: Type.String({ description: `stable machine-readable reason. Management API: ${Object.keys(ERROR_CODES).join(', ')}; the verification entrances add their own (docs/protect-your-api.md)` }),
    RequestId: Type.Optional(Type.String({ description: 'the X-Request-Id of this request, to quote to an operator (every answer of the management API carries it)' })),
    RequiredScope: Type.Optional(
      Type.Object({ Id: Type.String(), Name: Type.String(), Method: Type.String(), Path: Type.String() }, { description: 'a verification refusal for a missing scope: the scope the endpoint needs' }),
    ),
  },
  { $id: ERROR_ENVELOPE_ID, description: "impact.com's error envelope, with a stable code" },
);

export const RoleSchema = Type.Union([
  Type.Literal('account_administrator'),
  Type.Literal('implementation_specialist'),
  Type.Literal('analyst'),
  Type.Literal('finance'),
  Type.Literal('performance_marketing_manager'),
  Type.Literal('custom'),
]);
export const RateLimitSchema = Type.Object({
  limit: Type.Integer({ minimum: 1, description: 'requests allowed per window' }),
  windowSeconds: Type.Integer({ minimum: 1 }),
});

export const TokenSchema = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    kind: Type.Union([Type.Literal('scoped'), Type.Literal('legacy_rw'), Type.Literal('legacy_ro'), Type.Literal('canary')], { description: '`canary`: a decoy that never authenticates; any use raises token.canary_used' }),
    accountSid: Type.String(),
    name: Type.String(),
    description: Type.String(),
    apiVersion: Type.Integer(),
    primaryContactUserId: Nullable(Type.String()),
    developerEmails: Type.Array(Type.String()),
    scopes: Type.Array(Type.String()),
    state: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
    createdAt: IsoTime,
    updatedAt: IsoTime,
    lastUsedAt: Nullable(IsoTime),
    lastUsedIp: Nullable(Type.String()),
    expiresAt: Nullable(IsoTime),
    notBefore: Nullable(IsoTime),
    allowedCidrs: Type.Array(Type.String()),
    rateLimit: Nullable(RateLimitSchema),
    graceExpiresAt: Nullable(IsoTime),
  },
  { description: 'An API access token (never its secret)' },
);

const RateLimitSettingSchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: LIMITS.rateLimitMax, description: 'requests allowed per window' }),
  windowSeconds: Type.Integer({ minimum: 1, maximum: LIMITS.rateWindowMaxSeconds }),
});

/** The limits are domain/fields.ts's, which the domain rules (domain/token.ts) and the web UI enforce too. */
const settings = {
  name: Type.String({ pattern: NAME_PATTERN, description: `1 to ${LIMITS.nameMax} characters once trimmed` }),
  description: Type.String({ maxLength: LIMITS.descriptionMax }),
  apiVersion: Type.Integer({ description: 'a version of the catalog (GET /api/v1/catalog); unset, the latest' }),
  primaryContactUserId: Nullable(Type.String({ description: 'a user of the account (GET /api/v1/accounts/{accountId}/users)' })),
  developerEmails: Type.Array(Type.String({ maxLength: 254 }), { maxItems: LIMITS.developerEmailsMax }),
  scopes: Type.Array(Type.String(), { maxItems: 1000, description: "scope ids of the token's API version" }),
  expiresAt: Nullable(Type.String({ description: 'ISO 8601' })),
  notBefore: Nullable(Type.String({ description: 'ISO 8601' })),
  allowedCidrs: Type.Array(Type.String(), { maxItems: LIMITS.allowedCidrsMax, description: 'addresses or CIDR blocks the token may be used from; empty, any' }),
  rateLimit: Nullable(RateLimitSettingSchema),
};
const optional = <T extends Record<string, Parameters<typeof Type.Optional>[0]>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, Type.Optional(schema)])) as { [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>> };

/** Fields a user may change (PATCH): any of them. */
export const TokenSettingsSchema = Type.Object(optional(settings), { additionalProperties: false });
/** A new token: `name` required, the rest optional. */
export const CreateTokenBody = Type.Object(
  {
    ...optional(settings),
    name: settings.name,
    kind: Type.Optional(
      Type.Union([Type.Literal('scoped'), Type.Literal('canary')], {
        description: '`canary`: a decoy that never authenticates and alerts its contacts (token.canary_used) on any use; it takes no scopes, validity window, IP ranges or rate limit. Default `scoped`',
      }),
    ),
  },
  { additionalProperties: false },
);
/** The action routes (enable API access, duplicate, disable …) read no field: no body, null or {}. */
export const NoFieldsBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]);

export const TokenWithSecret = Type.Object({ token: TokenSchema, authToken: Type.String() });
export const TokenList = Type.Object({ items: Type.Array(TokenSchema), nextCursor: Nullable(Type.String()) });
export const TokenListQuery = Type.Object({
  kind: Type.Optional(Type.Union([Type.Literal('scoped'), Type.Literal('legacy')], { description: 'scoped = the token list (scoped and canary tokens); legacy = the Read/Write and Read-Only pairs' })),
  name: Type.Optional(Type.String({ maxLength: 100 })),
  createdOn: Type.Optional(Type.Union([Type.Literal('last7'), Type.Literal('last30'), Type.Literal('older30')])),
  state: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});
export const ResetBody = Type.Object(
  { graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.graceSecondsMax, description: 'keep the previous secret valid this long (Stripe-style roll)' })) },
  { additionalProperties: false },
);
export const UpgradeBody = Type.Object({ apiVersion: Type.Integer() }, { additionalProperties: false });
export const UpgradeResult = Type.Object({ token: TokenSchema, droppedScopes: Type.Array(Type.String()) });
export const Credentials = Type.Object({ accountSid: Type.String(), authToken: Type.String() });

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  tokenId: Nullable(Type.String()),
  actorUserId: Nullable(Type.String()),
  actorEmail: Nullable(Type.String()),
  action: Type.String(),
  at: IsoTime,
  details: Type.Record(Type.String(), Type.Unknown()),
});
export const AuditEventList = Type.Object({ items: Type.Array(AuditEventSchema) });

export const UsageDaySchema = Type.Object({ day: Type.String(), allowed: Type.Integer(), denied: Type.Record(Type.String(), Type.Integer()) });
export const UsageSchema = Type.Object({ days: Type.Array(UsageDaySchema), lastUsedAt: Nullable(IsoTime), lastUsedIp: Nullable(Type.String()) });

export const ApiSettings = Type.Object({ apiAccessEnabled: Type.Boolean(), legacyTokensEnabled: Type.Boolean() });

export const UserSummary = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() });
export const AccountMembership = Type.Object({ id: Type.String(), name: Type.String(), role: RoleSchema });
export const AccountUser = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  lastSignInAt: Nullable(IsoTime),
  invitePending: Type.Boolean({ description: 'invited with a one-time link that has not been used yet: no password set' }),
});
export const AccountUserList = Type.Object({ items: Type.Array(AccountUser) });
/** The rule of domain/password.ts as JSON Schema states it (lengths in code points, as the rule counts them). */
const NewPassword = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, pattern: PASSWORD_PATTERN, description: PASSWORD_HINT });
const PersonName = Type.String({ maxLength: 200, pattern: '\\S', description: 'a display name, 1 to 200 characters' });
const newMember = { email: Type.String({ maxLength: 254 }), name: Type.Optional(PersonName), role: RoleSchema };
export const AddUserBody = Type.Union(
  [
    Type.Object({ ...newMember, password: NewPassword, invite: Type.Optional(Type.Literal(false)) }, { additionalProperties: false, description: 'with an initial password' }),
    Type.Object(
      { ...newMember, invite: Type.Literal(true, { description: 'no password: answer a one-time link (valid 7 days) with which the user sets their own' }) },
      { additionalProperties: false, description: 'with a one-time invite link' },
    ),
  ],
  { description: 'An initial password, or `invite: true`; for an e-mail that already has a sign-in, neither is used (they keep theirs)' },
);
export const AddedUser = Type.Object({
  user: AccountUser,
  existing: Type.Boolean({ description: 'the e-mail already had a sign-in: the user only gained this membership' }),
  inviteUrl: Nullable(Type.String({ description: 'the one-time invite link, shown once; null without `invite` or for an existing user' })),
  inviteExpiresAt: Nullable(IsoTime),
});
export const ChangeRoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });
export const Me = Type.Object({ user: UserSummary, accounts: Type.Array(AccountMembership) });
export const ProfileBody = Type.Object({ name: PersonName }, { additionalProperties: false });
export const ChangePasswordBody = Type.Object({ currentPassword: Type.String({ maxLength: PASSWORD_MAX_LENGTH }), newPassword: NewPassword }, { additionalProperties: false });
export const PasswordChanged = Type.Object({ otherSessionsEnded: Type.Integer({ description: "the user's other sessions, signed out by the change" }) });
export const InviteTokenBody = Type.Object({ token: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
/** What an invite link can still do: a used, expired or unknown link is an answer (invalid), not an error, so the invite page asks without a failing request. */
export const InviteState = Type.Union(
  [
    Type.Object({ state: Type.Literal('valid'), email: Type.String(), name: Type.String(), accountName: Type.String() }),
    Type.Object({ state: Type.Literal('invalid') }),
  ],
  { description: 'valid: whom the link is for, and the form may be used; invalid: unknown, expired or already used' },
);
export const AcceptInviteBody = Type.Object({ token: Type.String({ maxLength: 200 }), password: NewPassword, name: Type.Optional(PersonName) }, { additionalProperties: false });
export const LoginBody = Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });
export const SessionResponse = Type.Object({ user: UserSummary, accounts: Type.Array(AccountMembership), csrfToken: Type.String() });
/** The web UI's first question: a signed-out visitor is an answer (signedIn: false), not an error. */
export const SessionState = Type.Union(
  [
    Type.Object({ signedIn: Type.Literal(true), user: UserSummary, accounts: Type.Array(AccountMembership) }),
    Type.Object({ signedIn: Type.Literal(false) }),
  ],
  { description: 'signedIn: true with the user and their accounts, or signedIn: false without a (live) session' },
);
/** What a first-run setup link can do: create the administrator, nothing (unknown, expired or used), or point to sign-in. */
export const SetupLinkState = Type.Object({
  state: Type.Union([Type.Literal('valid'), Type.Literal('invalid'), Type.Literal('already_set_up')], {
    description: 'valid: the form may be used; invalid: unknown, expired or used, and no account exists; already_set_up: an account exists, sign in instead',
  }),
});
export const SetupLinkQuery = Type.Object({ token: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
export const SetupBody = Type.Object(
  { token: Type.String(), email: Type.String(), password: Type.String(), name: Type.Optional(Type.String()), accountName: Type.String() },
  { additionalProperties: false },
);

export const CatalogSchema = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.Object({ version: Type.Integer(), releasedOn: Type.String(), latest: Type.Boolean() })),
  categories: Type.Array(
    Type.Object({
      name: Type.String(),
      scopes: Type.Array(
        Type.Object({
          id: Type.String(),
          name: Type.String(),
          method: Type.String(),
          path: Type.String(),
          since: Type.Optional(Type.Integer()),
          until: Type.Optional(Type.Integer()),
        }),
      ),
    }),
  ),
});

export const Liveness = Type.Object({ status: Type.Literal('ok') });
export const ReadinessReport = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  database: Type.Object({ dialect: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]), reachable: Type.Boolean(), latencyMs: Type.Integer(), deadlineMs: Type.Integer() }),
  changeFeed: Type.Object({ lagMs: Type.Integer(), boundMs: Type.Integer(), fresh: Type.Boolean(), sequence: Type.Integer() }),
  degraded: Type.Object(
    { redisRateLimits: Type.Optional(Type.Boolean()), redisNotifications: Type.Optional(Type.Boolean()), postgresNotifications: Type.Optional(Type.Boolean()) },
    { description: 'parts that may be down without making the node wrong, each only when configured: true = degraded' },
  ),
});

export type TokenDto = Static<typeof TokenSchema>;
export type TokenSettingsDto = Static<typeof TokenSettingsSchema>;
export type CreateTokenDto = Static<typeof CreateTokenBody>;
export type TokenWithSecretDto = Static<typeof TokenWithSecret>;
export type TokenListDto = Static<typeof TokenList>;
export type TokenListQueryDto = Static<typeof TokenListQuery>;
export type UpgradeResultDto = Static<typeof UpgradeResult>;
export type CredentialsDto = Static<typeof Credentials>;
export type AuditEventDto = Static<typeof AuditEventSchema>;
export type UsageDto = Static<typeof UsageSchema>;
export type ApiSettingsDto = Static<typeof ApiSettings>;
export type MeDto = Static<typeof Me>;
export type SessionDto = Static<typeof SessionResponse>;
export type SessionStateDto = Static<typeof SessionState>;
export type SetupLinkStateDto = Static<typeof SetupLinkState>;
export type AccountUserDto = Static<typeof AccountUser>;
export type AddUserBodyDto = Static<typeof AddUserBody>;
export type AddedUserDto = Static<typeof AddedUser>;
export type PasswordChangedDto = Static<typeof PasswordChanged>;
export type InviteStateDto = Static<typeof InviteState>;
export type CatalogDto = Static<typeof CatalogSchema>;
export type ErrorEnvelopeDto = Static<typeof ErrorEnvelope>;
export type RoleDto = Static<typeof RoleSchema>;

/** Webhook endpoints, deliveries and a token's lifecycle events (defined in webhook-schemas.ts), for the web UI's imports. */
export type { DeliveryDto, TokenActivityDto, WebhookDto } from './webhook-schemas.js';
export type { MailSettingsDto, SentMailDto } from './mail-schemas.js';

/** A token's exposures to leak reports (defined in exposure-schemas.ts), for the web UI's imports. */
export type { ExposureDto } from './exposure-schemas.js';
