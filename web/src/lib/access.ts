/** Who may see the API page: the rule itself lives in the domain, shared with the server. */
import { canManageAccountSettings, canManageTokens, canManageUsers, isRole, ROLE_LABELS } from '../../../src/domain/roles.js';

export const mayManageTokens = (role: string) => isRole(role) && canManageTokens(role);
export const mayManageUsers = (role: string) => isRole(role) && canManageUsers(role);
export const mayManageAccountSettings = (role: string) => isRole(role) && canManageAccountSettings(role);

export const roleLabel = (role: string) => (isRole(role) ? ROLE_LABELS[role] : role);

export const NO_ACCESS_MESSAGE = 'You need the Account Administrator or Implementation Specialist role to manage API access tokens.';
