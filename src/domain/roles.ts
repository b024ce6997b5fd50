/** The brand roles of impact.com; only the first two may see or manage API access tokens. */
export const ROLES = [
  'account_administrator',
  'implementation_specialist',
  'analyst',
  'finance',
  'performance_marketing_manager',
  'custom',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  account_administrator: 'Account Administrator',
  implementation_specialist: 'Implementation Specialist',
  analyst: 'Analyst',
  finance: 'Finance',
  performance_marketing_manager: 'Performance Marketing Manager',
  custom: 'Custom',
};

export const TOKEN_MANAGER_ROLES: readonly Role[] = ['account_administrator', 'implementation_specialist'];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Enabling API access, legacy tokens, and listing, viewing, revealing and changing tokens. */
export function canManageTokens(role: Role): boolean {
  return TOKEN_MANAGER_ROLES.includes(role);
}

/** Adding users, changing their roles and removing them: the Account Administrator only. */
export function canManageUsers(role: Role): boolean {
  return role === 'account_administrator';
}

/** Account-wide settings that reach outside Sidekey (webhook endpoints): the Account Administrator only. */
export function canManageAccountSettings(role: Role): boolean {
  return role === 'account_administrator';
}
