/**
 * `serve --demo`: a brand account with one user per role and a history, so a newcomer sees the product as it is
 * after months of use: tokens of several ages (some older than 30 days), some disabled, one expiring soon, one
 * whose previous Auth Token is still in its reset grace window, 30 days of usage with refusals (the usage chart
 * and "Last used" filled), the legacy Read/Write and Read-Only pair, and a second account for the switcher.
 *
 * The history is made by the product's own services on a clock set to each past moment (managementServices), and
 * the usage by its own usage recorder, so every row, audit event and counter is one live use would have written.
 * The usage is generated from a fixed seed: the demo looks the same on every first start. Re-running re-issues
 * the demo passwords (printed) and adds nothing twice.
 */
import { randomBase62 } from '../domain/credentials.js';
import type { VerificationCode } from '../domain/verification-answers.js';
import { ROLES, ROLE_LABELS, type Role } from '../domain/roles.js';
import type { Actor } from '../domain/actor.js';
import { operator } from '../domain/actor.js';
import { type Context, managementServices } from './context.js';

export const DEMO_ACCOUNT_NAME = 'Acme Outdoor (demo brand)';
export const DEMO_SECOND_ACCOUNT_NAME = 'Acme Outdoor EU (demo brand)';
const demoEmail = (role: Role) => `${role.replace(/_/g, '.')}@demo.sidekey.test`;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface DemoLogin {
  role: Role;
  label: string;
  email: string;
  password: string;
}

const NAMES: Record<Role, string> = {
  account_administrator: 'Avery Admin',
  implementation_specialist: 'Ishaan Implementer',
  analyst: 'Ana Analyst',
  finance: 'Felix Finance',
  performance_marketing_manager: 'Pat Marketing',
  custom: 'Casey Custom',
};

/** How a demo token is used: requests on a weekday, what share of them is refused and why, and from where. */
interface Traffic {
  perWeekday: number;
  /** Weekend traffic as a share of a weekday's (batch jobs run every day, people mostly on weekdays). */
  weekend: number;
  refusals: Partial<Record<VerificationCode, number>>;
  ip: string;
}

/** A token's story: when it was made and, relative to today, what happened to it since. Days are days ago. */
interface DemoToken {
  name: string;
  description: string;
  scopes: string[];
  apiVersion?: number;
  createdDaysAgo: number;
  allowedCidrs?: string[];
  rateLimit?: { limit: number; windowSeconds: number };
  /** Expires this many days from now. */
  expiresInDays?: number;
  disabledDaysAgo?: number;
  /** Reset this many hours ago with a 24-hour grace window for the previous Auth Token. */
  resetHoursAgo?: number;
  traffic?: Traffic;
  /** Days (ago) a disabled token was still called, and refused, after it was disabled. */
  calledAfterDisabledFor?: number;
}

const DEMO_TOKENS: DemoToken[] = [
  {
    name: 'Legacy BI connector',
    description: 'The old reporting connector, replaced by Looker reporting; kept disabled until the audit signs it off.',
    scopes: ['listAllReports', 'runReport'],
    createdDaysAgo: 96,
    disabledDaysAgo: 44,
  },
  {
    name: 'Shopify order sync',
    description: 'Reads actions and campaigns for the nightly order reconciliation job.',
    scopes: ['listActions', 'getActionById', 'listPrograms'],
    createdDaysAgo: 71,
    rateLimit: { limit: 600, windowSeconds: 60 },
    resetHoursAgo: 3,
    traffic: { perWeekday: 1_450, weekend: 0.8, refusals: { RATE_LIMITED: 0.004, INSUFFICIENT_SCOPE: 0.0005 }, ip: '203.0.113.24' },
  },
  {
    name: 'Looker reporting',
    description: 'Exports reports into the data warehouse every hour.',
    scopes: ['listAllReports', 'runReport', 'exportReport', 'getReportMetadata'],
    createdDaysAgo: 52,
    allowedCidrs: ['198.51.100.0/24'],
    traffic: { perWeekday: 120, weekend: 1, refusals: { IP_NOT_ALLOWED: 0.02 }, ip: '198.51.100.17' },
  },
  {
    name: 'Slack alerts (staging)',
    description: 'Posts new action inquiries to #partner-support. Paused while staging is rebuilt.',
    scopes: ['listActionInquiries', 'getActionInquiryById'],
    createdDaysAgo: 38,
    disabledDaysAgo: 9,
    calledAfterDisabledFor: 2,
    traffic: { perWeekday: 260, weekend: 0.3, refusals: {}, ip: '192.0.2.45' },
  },
  {
    name: 'Partner onboarding bot',
    description: 'Creates partners from the signup form and files them into partner groups.',
    scopes: ['listPartners', 'createPartner', 'listPartnerGroups'],
    apiVersion: 13,
    createdDaysAgo: 21,
    traffic: { perWeekday: 48, weekend: 0.1, refusals: { INSUFFICIENT_SCOPE: 0.03 }, ip: '203.0.113.80' },
  },
  {
    name: 'Returns portal (pilot)',
    description: 'Lets the returns portal look up orders during the pilot; expires with the pilot.',
    scopes: ['listActions', 'getActionById'],
    createdDaysAgo: 12,
    expiresInDays: 4,
    traffic: { perWeekday: 310, weekend: 0.6, refusals: { RATE_LIMITED: 0.002 }, ip: '203.0.113.131' },
  },
];

/** The same numbers on every run (mulberry32), so the demo's chart looks the same each time it is seeded. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type DemoContext = Pick<Context, 'config' | 'store' | 'catalog' | 'keys' | 'audit' | 'changes' | 'changeLog' | 'accounts' | 'usage'>;

export async function seedDemo(context: DemoContext): Promise<{ accountId: string; logins: DemoLogin[] }> {
  const logins: DemoLogin[] = ROLES.map((role) => ({ role, label: ROLE_LABELS[role], email: demoEmail(role), password: `demo-${randomBase62(12)}` }));
  const admin = logins[0];
  const existing = await context.accounts.findUserByEmail(admin.email);
  if (existing) {
    const accountId = (await context.accounts.me(existing.id)).accounts.find((a) => a.name === DEMO_ACCOUNT_NAME)!.id;
    for (const login of logins) {
      const user = await context.accounts.findUserByEmail(login.email);
      if (user) await context.accounts.setPassword(user.id, login.password);
    }
    return { accountId, logins };
  }

  const started = Date.now();
  let clock = started;
  const { accounts, tokens } = managementServices(context, () => clock);
  /** Sets the services' clock to `days` days and `hours` hours before the seeding started. */
  const at = (days: number, hours = 0) => (clock = started - days * DAY_MS - hours * HOUR_MS);
  const cli = operator('demo');

  at(120);
  const { accountId, userId: adminId } = await accounts.createAccountWithAdmin({ email: admin.email, password: admin.password, name: NAMES[admin.role], accountName: DEMO_ACCOUNT_NAME }, cli);
  for (const login of logins.slice(1)) await accounts.addUser({ accountId, email: login.email, password: login.password, name: NAMES[login.role], role: login.role }, cli);
  const byAdmin: Actor = { kind: 'user', userId: adminId, ip: '192.0.2.10' };
  await tokens.enableApiAccess(byAdmin, accountId);

  // A deployment's own catalog (CATALOG_PATH) may not know these brand scopes or versions: seed what it does know.
  const known = (id: string) => context.catalog.scopesById.has(id);
  const versions = new Set(context.catalog.versions.map((v) => v.version));
  const seeded: { story: DemoToken; id: string }[] = [];
  for (const story of DEMO_TOKENS) {
    at(story.createdDaysAgo, 5);
    const { token } = await tokens.create(byAdmin, accountId, {
      name: story.name,
      description: story.description,
      scopes: story.scopes.filter(known),
      apiVersion: story.apiVersion !== undefined && versions.has(story.apiVersion) ? story.apiVersion : undefined,
      primaryContactUserId: adminId,
      developerEmails: ['dev-team@acme-outdoor.test'],
      allowedCidrs: story.allowedCidrs,
      rateLimit: story.rateLimit,
      expiresAt: story.expiresInDays === undefined ? undefined : new Date(started + story.expiresInDays * DAY_MS).toISOString(),
    });
    seeded.push({ story, id: token.id });
  }
  at(60);
  await tokens.enableLegacyTokens(byAdmin, accountId);
  for (const { story, id } of seeded) {
    if (story.disabledDaysAgo !== undefined) {
      at(story.disabledDaysAgo, 2);
      await tokens.setState(byAdmin, accountId, id, 'disabled');
    }
    if (story.resetHoursAgo !== undefined) {
      at(0, story.resetHoursAgo);
      await tokens.reset(byAdmin, accountId, id, { graceSeconds: 86_400 });
    }
  }

  recordUsage(context, seeded, started);
  await context.usage.flush();

  // The second account, where the administrator helps as an Implementation Specialist: the account switcher.
  at(30);
  const { accountId: secondId } = await accounts.createAccount(DEMO_SECOND_ACCOUNT_NAME, cli);
  await accounts.addUser({ accountId: secondId, email: admin.email, password: admin.password, role: 'implementation_specialist' }, cli);
  await tokens.enableApiAccess(cli, secondId);
  await tokens.create(cli, secondId, { name: 'EU storefront sync', description: 'Keeps the EU storefront catalogue in step.', scopes: ['listActions'].filter(known) });
  return { accountId, logins };
}

/**
 * 30 days of calls per token, through the recorder every verification counts with: per day the allowed calls and
 * the refusals by code, and the token's last use (a few minutes ago for the tokens still in use).
 */
function recordUsage(context: DemoContext, seeded: { story: DemoToken; id: string }[], started: number): void {
  const random = seededRandom(20_260_101);
  const today = Math.floor(started / DAY_MS) * DAY_MS;
  const shareOfToday = (started - today) / DAY_MS;
  for (const { story, id } of seeded) {
    const traffic = story.traffic;
    if (!traffic) {
      // Retired before the chart's 30 days: last used the day before it was disabled.
      if (story.disabledDaysAgo !== undefined) context.usage.markUsed(id, started - (story.disabledDaysAgo + 1) * DAY_MS, '192.0.2.77');
      continue;
    }
    let lastUse = 0;
    for (let daysAgo = 29; daysAgo >= 0; daysAgo--) {
      const dayStart = today - daysAgo * DAY_MS;
      if (dayStart + DAY_MS < started - story.createdDaysAgo * DAY_MS) continue;
      const disabled = story.disabledDaysAgo !== undefined && daysAgo <= story.disabledDaysAgo;
      if (disabled && daysAgo < story.disabledDaysAgo! - (story.calledAfterDisabledFor ?? 0)) continue;
      const weekday = new Date(dayStart).getUTCDay();
      const volume = traffic.perWeekday * (weekday === 0 || weekday === 6 ? traffic.weekend : 1) * (0.75 + 0.5 * random()) * (daysAgo === 0 ? shareOfToday : 1);
      const calls = Math.round(volume * (disabled ? 0.15 : 1));
      // Spread over the hours of the day that have passed (all 24 before today).
      const hours = daysAgo === 0 ? Math.max(1, Math.floor(shareOfToday * 24)) : 24;
      const moment = (i: number) => dayStart + Math.floor(((i + random()) / Math.max(calls, 1)) * hours * HOUR_MS);
      for (let i = 0; i < calls; i++) {
        const code = disabled ? 'TOKEN_DISABLED' : refusal(traffic.refusals, random());
        const when = Math.min(moment(i), started - 60_000);
        context.usage.count(id, code, when);
        if (code !== 'INVALID_CREDENTIALS' && when > lastUse) lastUse = when;
      }
    }
    if (lastUse > 0) context.usage.markUsed(id, lastUse, traffic.ip);
  }
}

function refusal(shares: Partial<Record<VerificationCode, number>>, draw: number): VerificationCode {
  let cumulative = 0;
  for (const [code, share] of Object.entries(shares) as [VerificationCode, number][]) {
    cumulative += share;
    if (draw < cumulative) return code;
  }
  return 'ALLOWED';
}
