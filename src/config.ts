/**
 * The configuration: one TypeBox schema, `CONFIG`, names every setting with its environment variable, its
 * default and its description. `loadConfig` reads it once at start-up from the environment (the CLI merges its
 * flags into that environment first, so they are checked alike) and refuses to start with a list of every
 * problem; an empty variable counts as unset. Adding a setting is one entry here and one row of the README's
 * configuration table (a test holds the two equal).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type StaticDecode, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { proxyRanges } from './domain/client-address.js';
import { FORWARD_AUTH_STYLES } from './domain/forward-auth.js';
import { SID_PREFIX_PATTERN } from './domain/credentials.js';
import { type LeakReportKey, parsePublicKeys } from './domain/leak-reports.js';
import { keyBytes, keyProblem } from './secrets/keys.js';
import { DEFAULT_CACHE_OPTIONS } from './verify/cache.js';

/** What every entry of the schema carries besides its rule. */
type Variable = {
  /** The environment variable. */
  env: string;
  description: string;
  /** The variable's text when it is unset; a setting without one is optional. */
  default?: string;
  /** Never repeated in an error message (keys, passwords in URLs). */
  secret?: boolean;
};

/** A setting read from its variable's text: `problem` says why a text is refused (or undefined), `decode` reads it. */
function setting<T>(variable: Variable, problem: (text: string) => string | undefined, decode: (text: string) => T) {
  const text = Type.Refine(
    Type.String(variable),
    (value: string) => problem(value) === undefined,
    (value: string) => `${variable.env} ${problem(value)}${variable.secret ? '' : `, got "${value}"`}`,
  );
  return Type.Decode(text, decode);
}

const anyText = () => undefined;
const asText = (text: string) => text;

const text = (variable: Variable) => setting(variable, anyText, asText);

const integer = (variable: Variable, min: number, max = Number.MAX_SAFE_INTEGER) =>
  setting(
    variable,
    (text) => (/^\d+$/.test(text) && Number(text) >= min && Number(text) <= max ? undefined : `must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`),
    Number,
  );

const oneOf = <const T extends readonly string[]>(variable: Variable, values: T) =>
  setting(variable, (text) => (values.includes(text) ? undefined : `must be one of ${values.map((v) => `"${v}"`).join(', ')}`), (text) => text as T[number]);

const path = (variable: Variable) => setting(variable, anyText, (text) => resolve(text));

/** A URL of one of `schemes` (`parse`: one the WHATWG URL parser reads; drivers with their own parser read theirs). */
const url = (variable: Variable, schemes: readonly string[], parse = true) =>
  setting(
    variable,
    (text) => (schemes.some((scheme) => text.startsWith(`${scheme}://`)) && (!parse || URL.canParse(text)) ? undefined : `must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL`),
    asText,
  );

const splitList = (text: string) => text.split(',').map((item) => item.trim()).filter(Boolean);

/** A comma-separated list; `problem` names what is wrong with one item. */
const list = <T>(variable: Variable, problem: (item: string) => string | undefined, decode: (item: string) => T) =>
  setting(
    variable,
    (text) => {
      const problems = splitList(text).map(problem).filter((p) => p !== undefined);
      return problems.length > 0 ? problems.join('; ') : undefined;
    },
    (text) => splitList(text).map(decode),
  );

const key = (variable: Variable) => setting({ ...variable, secret: true }, keyProblem, keyBytes);

/** Inline JSON (starting with `{`) or the path of a file holding it. */
function leakReportKeys(text: string): LeakReportKey[] | string {
  let json = text;
  if (!text.trimStart().startsWith('{')) {
    try {
      json = readFileSync(resolve(text), 'utf8');
    } catch (error) {
      return `names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch {
    return 'is not JSON (nor a file holding JSON)';
  }
  return parsePublicKeys(document);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const BUILT_IN_CATALOG = fileURLToPath(new URL('../catalog/brand.json', import.meta.url));

export const CONFIG = Type.Object({
  host: text({ env: 'HOST', default: '127.0.0.1', description: 'the address to listen on' }),
  port: integer({ env: 'PORT', default: '8080', description: 'the port to listen on, 0 for any free one' }, 0, 65535),
  dataDir: path({ env: 'DATA_DIR', default: './data', description: 'the SQLite database and the generated key file' }),
  databaseUrl: Type.Optional(url({ env: 'DATABASE_URL', secret: true, description: 'a PostgreSQL URL to run on PostgreSQL (many nodes may share one); unset, the embedded SQLite store' }, ['postgres', 'postgresql'], false)),
  catalogPath: path({ env: 'CATALOG_PATH', default: BUILT_IN_CATALOG, description: 'the scope catalog of the API Sidekey protects' }),
  sidPrefix: setting(
    { env: 'SID_PREFIX', default: 'IR', description: 'the two capital letters every Account SID starts with' },
    (text) => (SID_PREFIX_PATTERN.test(text) ? undefined : 'must be two capital letters'),
    asText,
  ),
  revealMode: oneOf({ env: 'SIDEKEY_REVEAL', default: 'retrievable', description: '`once`: show-once, no ciphertext is kept and the Auth Token appears only when issued' }, ['retrievable', 'once']),
  masterKey: Type.Optional(key({ env: 'SIDEKEY_MASTER_KEY', description: 'the key (32 bytes, base64 or hex) that encrypts Auth Tokens at rest; unset, the key file' })),
  previousMasterKeys: list({ env: 'SIDEKEY_PREVIOUS_MASTER_KEYS', default: '', secret: true, description: 'older master keys, comma-separated, still accepted for decryption after a rotation' }, keyProblem, keyBytes),
  hashKey: Type.Optional(key({ env: 'SIDEKEY_HASH_KEY', description: 'the HMAC key (32 bytes) for verifying Auth Tokens; changing it invalidates every token; unset, the key file' })),
  redisUrl: Type.Optional(text({ env: 'REDIS_URL', secret: true, description: 'a Redis that shares rate limits and change notifications between nodes' })),
  redisKeyPrefix: text({ env: 'REDIS_KEY_PREFIX', default: 'sidekey:', description: 'the prefix of every Redis key and channel, so deployments can share one Redis' }),
  upstreamUrl: Type.Optional(url({ env: 'UPSTREAM_URL', description: "gateway mode: the API the catalog's paths are proxied to after verification" }, ['http', 'https'])),
  trustedProxies: list(
    { env: 'TRUSTED_PROXIES', default: '', description: 'the proxies whose X-Forwarded-* headers are believed, comma-separated: addresses, CIDRs (`10.0.0.0/8`, `10.0.0.0/255.0.0.0`), `loopback`, `linklocal`, `uniquelocal`' },
    (entry) => {
      const ranges = proxyRanges(entry);
      return typeof ranges === 'string' ? ranges : undefined;
    },
    asText,
  ),
  verifyKey: Type.Optional(text({ env: 'SIDEKEY_VERIFY_KEY', secret: true, description: 'the service key the verification endpoints require in X-Sidekey-Verify-Key' })),
  forwardAuth: oneOf({ env: 'SIDEKEY_FORWARD_AUTH', default: 'nginx', description: 'the proxy in front of /v1/auth: only the original-request headers it sets are read' }, FORWARD_AUTH_STYLES),
  publicUrl: Type.Optional(text({ env: 'PUBLIC_URL', description: 'the externally visible base URL, for printed links; unset, derived from HOST and PORT' })),
  metrics: oneOf({ env: 'METRICS', default: 'on', description: '`on`: Prometheus metrics at GET /metrics, behind SIDEKEY_VERIFY_KEY (without one, to this host only); `off`: no /metrics' }, ['on', 'off']),
  logLevel: oneOf({ env: 'LOG_LEVEL', default: 'info', description: 'the log level' }, LOG_LEVELS),
  sessionTtlSeconds: integer({ env: 'SESSION_TTL_SECONDS', default: '43200', description: 'the lifetime of a web session, in seconds' }, 60),
  maxStalenessMs: integer({ env: 'SIDEKEY_MAX_STALENESS_MS', default: '1500', description: 'how long a node may answer from its cache without confirming it is current; past it, it reads each token or fails closed with 503' }, 200, 60_000),
  databaseTimeoutMs: integer({ env: 'DATABASE_TIMEOUT_MS', default: '1000', description: 'the deadline of one database call (connect or query)' }, 100, 60_000),
  tokenCacheEntries: integer({ env: 'TOKEN_CACHE_ENTRIES', default: String(DEFAULT_CACHE_OPTIONS.maxEntries), description: 'how many tokens a node keeps verified in memory (least recently used go first; about 450 bytes of memory each): more than the tokens in use, or verifications past it read the database' }, 100, 100_000_000),
  usageFlushIntervalMs: integer({ env: 'USAGE_FLUSH_INTERVAL_MS', default: '5000', description: 'how often usage counters are written; a kill -9 loses at most this much of them' }, 100, 3_600_000),
  expiryNoticeDays: list(
    { env: 'LIFECYCLE_EXPIRY_NOTICE_DAYS', default: '30,7,1', description: 'how many days before a token expires `token.expiring` is raised, comma-separated (each once per token and expiry)' },
    (item) => (/^\d+$/.test(item) && Number(item) >= 1 && Number(item) <= 365 ? undefined : `"${item}" is not a whole number of days from 1 to 365`),
    Number,
  ),
  unusedNoticeDays: Type.Optional(
    integer({ env: 'LIFECYCLE_UNUSED_NOTICE_DAYS', description: 'raise `token.unused` when an enabled token has had no authenticated use for this many days (once per idle stretch); unset, never' }, 1, 3650),
  ),
  lifecycleRetentionDays: integer(
    { env: 'LIFECYCLE_RETENTION_DAYS', default: '90', description: 'how many days dispatched lifecycle events and finished webhook deliveries (with their attempts) are kept; pending ones are kept until they finish' },
    1,
    36_500,
  ),
  lifecycleScanIntervalMs: integer({ env: 'LIFECYCLE_SCAN_INTERVAL_MS', default: '60000', description: 'how often each node looks for tokens whose expiry notice, expiry or unused notice is due' }, 1_000, 3_600_000),
  webhookPollIntervalMs: integer({ env: 'WEBHOOK_POLL_INTERVAL_MS', default: '1000', description: 'how often each node hands new events to webhook endpoints and e-mail, and sends the deliveries and e-mails due' }, 100, 60_000),
  webhookTimeoutMs: integer({ env: 'WEBHOOK_TIMEOUT_MS', default: '10000', description: 'the deadline of one webhook attempt (resolve, connect, answer); past it the attempt failed and is retried' }, 100, 60_000),
  webhookAllowedPrivateTargets: list(
    { env: 'WEBHOOK_ALLOWED_PRIVATE_TARGETS', default: '', description: 'loopback, private or link-local webhook targets the operator allows, comma-separated: addresses, CIDRs, `loopback`, `linklocal`, `uniquelocal`; every other non-public address is refused' },
    (entry) => {
      const ranges = proxyRanges(entry);
      return typeof ranges === 'string' ? ranges : undefined;
    },
    asText,
  ),
  smtpUrl: Type.Optional(url({ env: 'SMTP_URL', secret: true, description: 'the SMTP server e-mail notifications are sent through (`smtp://user:password@host:587`, `smtps://…` for TLS from the start); unset, no e-mail is sent' }, ['smtp', 'smtps'])),
  mailFrom: Type.Optional(setting({ env: 'MAIL_FROM', description: 'the sender of e-mail notifications, `sidekey@example.com` or `Sidekey <sidekey@example.com>`; needed with SMTP_URL' }, mailboxProblem, asText)),
  leakReportPublicKeys: Type.Optional(
    setting(
      { env: 'LEAK_REPORT_PUBLIC_KEYS', description: "the keys POST /v1/leaks accepts GitHub's secret-scanning reports under: a file (or inline JSON) in the shape of GitHub's /meta/public_keys/secret_scanning; unset, every report is refused" },
      (text) => {
        const keys = leakReportKeys(text);
        return typeof keys === 'string' ? keys : undefined;
      },
      (text) => leakReportKeys(text) as LeakReportKey[],
    ),
  ),
});

/** Why a text is not one mailbox (`a@b.c` or `Name <a@b.c>`), or undefined. */
function mailboxProblem(text: string): string | undefined {
  const match = /^(?:[^<>@\r\n]*<([^<>\s]+)>|([^<>\s]+))$/.exec(text.trim());
  const address = match?.[1] ?? match?.[2];
  return address && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address) ? undefined : 'must be one e-mail address, like `sidekey@example.com` or `Sidekey <sidekey@example.com>`';
}

export type Config = StaticDecode<typeof CONFIG>;
export type RevealMode = Config['revealMode'];

/** The schema's entries, by the Config field each sets. */
const ENTRIES = CONFIG.properties as unknown as Record<keyof Config, TSchema & Variable>;

/** Each setting's variable, default and description, in the schema's order. */
export const VARIABLES: readonly Readonly<Variable>[] = Object.values(ENTRIES).map(({ env, description, default: fallback, secret }) => ({ env, description, default: fallback, secret }));

/** A command-line flag's help: the setting's description, its variable and its default. */
export function flagHelp(env: string): string {
  const variable = VARIABLES.find((v) => v.env === env);
  if (!variable) throw new Error(`no setting reads ${env}`);
  return `${variable.description} (${env}${variable.default ? `, default ${variable.default}` : ''})`;
}

/** Start-up refused: every problem, each naming its variable (the CLI prints them, naming its flags instead). */
export class ConfigProblems extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration problems:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigProblems';
  }
}

/** The configuration from an environment: every problem at once, or a Config every service can rely on. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const texts: Record<string, string> = {};
  for (const [field, entry] of Object.entries(ENTRIES)) {
    const value = env[entry.env];
    if (value !== undefined && value !== '') texts[field] = value;
  }
  const given = Value.Default(CONFIG, texts) as Record<string, string | undefined>;
  // Entry by entry: TypeBox stops collecting a value's errors at a bound, and every problem must be listed.
  const problems = Object.entries(ENTRIES).flatMap(([field, entry]) => (given[field] === undefined ? [] : Value.Errors(entry, given[field]).map((error) => error.message)));
  // E-mail needs a sender, and a base for the links to token pages that a reader can open.
  if (given.smtpUrl !== undefined && given.mailFrom === undefined) problems.push('MAIL_FROM must be set when SMTP_URL is: it is the sender of every notification');
  if (given.smtpUrl !== undefined && given.publicUrl === undefined) problems.push('PUBLIC_URL must be set when SMTP_URL is: notifications link to the token page at this address');
  if (problems.length > 0) throw new ConfigProblems(problems);
  return Value.Decode(CONFIG, given);
}

/** The staleness bound when SIDEKEY_MAX_STALENESS_MS is unset. */
export const DEFAULT_MAX_STALENESS_MS = 1_500;

/** The base of printed links: PUBLIC_URL, or the address this node listens on (`port`: the one it got, for port 0). */
export function publicBaseUrl(config: Pick<Config, 'publicUrl' | 'host' | 'port'>, port = config.port): string {
  return config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
}
