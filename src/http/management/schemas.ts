/**
 * The management API's wire shapes: one definition for validation (Fastify), the OpenAPI document and
 * the TypeScript types that the web UI and the SDK import. Change a shape here and every side follows.
 */
import { Type, type Static } from 'typebox';
import { ERROR_CODES } from '../../domain/errors.js';

// Null first: ajv coerces types (query strings → integers), and with the string branch first it would turn null into "".
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([Type.Null(), schema]);
const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });

export const ErrorEnvelope = Type.Object(
  {
    Status: Type.Literal('ERROR'),
    Message: Type.String(),
    Errors: Type.Array(Type.Object({ Field: Type.String(), Message: Type.String() })),
    Code: Type.String({ description: `stable machine-readable reason: ${Object.keys(ERROR_CODES).join(', ')}` }),
    RequestId: Type.String({ description: 'the X-Request-Id of this request, to quote to an operator' }),
  },
  { description: "impact.com's error envelope, with a stable code and the request id" },
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
    kind: Type.Union([Type.Literal('scoped'), Type.Literal('legacy_rw'), Type.Literal('legacy_ro')]),
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

/** Fields a user may set; create requires `name`. */
export const TokenSettingsSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 1000 })),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    apiVersion: Type.Optional(Type.Integer()),
    primaryContactUserId: Type.Optional(Nullable(Type.String())),
    developerEmails: Type.Optional(Type.Array(Type.String(), { maxItems: 200 })),
    scopes: Type.Optional(Type.Array(Type.String(), { maxItems: 1000 })),
    expiresAt: Type.Optional(Nullable(Type.String())),
    notBefore: Type.Optional(Nullable(Type.String())),
    allowedCidrs: Type.Optional(Type.Array(Type.String(), { maxItems: 500 })),
    rateLimit: Type.Optional(Nullable(RateLimitSchema)),
  },
  { additionalProperties: false },
);

export const TokenWithSecret = Type.Object({ token: TokenSchema, authToken: Type.String() });
export const TokenList = Type.Object({ items: Type.Array(TokenSchema), nextCursor: Nullable(Type.String()) });
export const TokenListQuery = Type.Object({
  kind: Type.Optional(Type.Union([Type.Literal('scoped'), Type.Literal('legacy')], { description: 'legacy = the Read/Write and Read-Only pairs' })),
  name: Type.Optional(Type.String({ maxLength: 100 })),
  createdOn: Type.Optional(Type.Union([Type.Literal('last7'), Type.Literal('last30'), Type.Literal('older30')])),
  state: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});
export const ResetBody = Type.Object(
  { graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86_400, description: 'keep the previous secret valid this long (Stripe-style roll)' })) },
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
export const AccountUser = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String(), role: RoleSchema });
export const AccountUserList = Type.Object({ items: Type.Array(AccountUser) });
export const Me = Type.Object({ user: UserSummary, accounts: Type.Array(AccountMembership) });
export const LoginBody = Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });
export const SessionResponse = Type.Object({ user: UserSummary, accounts: Type.Array(AccountMembership), csrfToken: Type.String() });
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

export type TokenDto = Static<typeof TokenSchema>;
export type TokenSettingsDto = Static<typeof TokenSettingsSchema>;
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
export type AccountUserDto = Static<typeof AccountUser>;
export type CatalogDto = Static<typeof CatalogSchema>;
export type ErrorEnvelopeDto = Static<typeof ErrorEnvelope>;
export type RoleDto = Static<typeof RoleSchema>;
