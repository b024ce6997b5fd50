/** Accounts and users for tests and the benchmark, created through the real services. No test framework here. */
import type { Context } from '../../src/app/context.js';
import { operator, type Actor } from '../../src/domain/actor.js';
import type { Role } from '../../src/domain/roles.js';
import { randomBase62 } from '../../src/domain/credentials.js';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface Brand {
  accountId: string;
  admin: Actor & { kind: 'user' };
  users: Record<Role, Actor & { kind: 'user' }>;
  emails: Record<Role, string>;
}

/** A brand account with one user per role, API access enabled unless asked otherwise. */
export async function createBrand(context: Context, options: { apiAccess?: boolean; name?: string } = {}): Promise<Brand> {
  const tag = randomBase62(6).toLowerCase();
  const adminEmail = `admin-${tag}@brand.test`;
  const { accountId, userId } = await context.accounts.createAccountWithAdmin({ email: adminEmail, password: TEST_PASSWORD, accountName: options.name ?? `Brand ${tag}` });
  const users = { account_administrator: { kind: 'user' as const, userId } } as Brand['users'];
  const emails = { account_administrator: adminEmail } as Brand['emails'];
  for (const role of ['implementation_specialist', 'analyst', 'finance', 'performance_marketing_manager', 'custom'] as const) {
    const email = `${role}-${tag}@brand.test`;
    const added = await context.accounts.addUser({ accountId, email, password: TEST_PASSWORD, role });
    users[role] = { kind: 'user', userId: added.userId };
    emails[role] = email;
  }
  if (options.apiAccess !== false) await context.tokens.enableApiAccess(operator('test'), accountId);
  return { accountId, admin: users.account_administrator, users, emails };
}
