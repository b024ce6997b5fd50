/** The audit module's public face: other folders import from here, never from its repository. */
export { AUDIT_ACTIONS, AuditLog, type AuditAction, type AuditFollower, type AuditEvent, type NewAuditEvent } from './audit-log.js';
