/**
 * `serve --demo`: a brand account with one user per role and a few tokens, so a newcomer sees the product
 * at once. Re-running re-issues the demo passwords (printed) and adds nothing twice.
 */
import { randomBase62 } from '../domain/credentials.js';
import { ROLES, ROLE_LABELS, type Role } from '../domain/roles.js';
import { operator } from '../domain/actor.js';
import type { Services } from './context.js';

export const DEMO_ACCOUNT_NAME = 'Acme Outdoor (demo brand)';
const demoEmail = (role: Role) => `${role.replace(/_/g, '.')}@demo.sidekey.test`;

export interface DemoLogin {
  role: Role;
  label: string;
  email: string;
  password: string;
}

export async function seedDemo(context: Pick<Services, 'accounts' | 'tokens' | 'catalog'>): Promise<{ accountId: string; logins: DemoLogin[] }> {
  const { accounts, tokens } = context;
  const cli = operator('demo');
  const logins: DemoLogin[] = ROLES.map((role) => ({ role, label: ROLE_LABELS[role], email: demoEmail(role), password: `demo-${randomBase62(12)}` }));
  const admin = logins[0];
  let accountId: string;
  const existing = await accounts.findUserByEmail(admin.email);
  if (existing) {
    accountId = (await accounts.me(existing.id)).accounts.find((a) => a.name === DEMO_ACCOUNT_NAME)!.id;
    for (const login of logins) {
      const user = await accounts.findUserByEmail(login.email);
      if (user) await accounts.setPassword(user.id, login.password);
    }
    return { accountId, logins };
  }
  ({ accountId } = await accounts.createAccountWithAdmin({ email: admin.email, password: admin.password, name: 'Avery Admin', accountName: DEMO_ACCOUNT_NAME }, cli));
  const names: Record<Role, string> = {
    account_administrator: 'Avery Admin',
    implementation_specialist: 'Ishaan Implementer',
    analyst: 'Ana Analyst',
    finance: 'Felix Finance',
    performance_marketing_manager: 'Pat Marketing',
    custom: 'Casey Custom',
  };
  for (const login of logins.slice(1)) await accounts.addUser({ accountId, email: login.email, password: login.password, name: names[login.role], role: login.role }, cli);
  await tokens.enableApiAccess(cli, accountId);
  const adminUser = (await accounts.findUserByEmail(admin.email))!;
  const seed = [
    { name: 'Shopify order sync', description: 'Reads actions and campaigns for the nightly order reconciliation job.', scopes: ['listActions', 'getActionById', 'listPrograms'] },
    { name: 'Looker reporting', description: 'Exports reports into the data warehouse every hour.', scopes: ['listAllReports', 'runReport', 'exportReport', 'getReportMetadata'] },
    { name: 'Partner onboarding bot', description: 'Creates partners and adds them to groups.', scopes: ['listPartners', 'createPartner', 'listPartnerGroups'], apiVersion: 12 },
  ];
  // A deployment's own catalog (CATALOG_PATH) may not know these brand scopes: seed what it does know.
  const known = (id: string) => context.catalog.scopesById.has(id);
  for (const t of seed) {
    await tokens.create(cli, accountId, { ...t, scopes: t.scopes.filter(known), primaryContactUserId: adminUser.id, developerEmails: ['dev-team@acme-outdoor.test'] });
  }
  return { accountId, logins };
}
