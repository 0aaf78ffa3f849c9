export type { Command, CommandContext } from './command.ts';
export { UsageError } from './command.ts';
export { createKeyWithTenancy, revokeKeyByPrefix, type CreatedKey } from './keys.service.ts';
