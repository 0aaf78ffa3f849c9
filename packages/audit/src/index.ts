export { AuditLog, type AuditInput, type AuditFilter, type AuditLogOptions, type Verification } from './audit.log.ts';
export { hashEvent, GENESIS_HASH, type HashedEventFields } from './audit.hash.ts';
export { canonicalJson } from './canonical.ts';
