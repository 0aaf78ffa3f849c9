export { createPrismaClient, type PrismaClientOptions } from './prisma.client.ts';
export { ensureDatabase, parseDatabaseUrl, withDatabaseName } from './database.admin.ts';
export { migrateDeploy, runPrisma, REPO_ROOT, MIGRATIONS_DIR, type PrismaRun } from './migrate.ts';
export { tenantCondition, withinTenant, projectInScope, type TenantScope } from './tenant.scope.ts';
export { encryptProjectSecret, decryptProjectSecret, newProjectSecretCiphertext } from './project-secret.ts';
export { createTestDatabase, ensureTemplateDatabase, type TestDatabase } from './testing/test-database.ts';
export { PrismaClient, Prisma } from './generated/prisma/client.ts';
export type * from './generated/prisma/client.ts';
export * from './generated/prisma/enums.ts';
