// The one way a query is limited to its caller's tenant. The tenant condition is ANDed with the
// caller's own filter, never merged into it by object spread, so no filter (a `projectId` taken
// from a query string included) can replace or widen it. Raw SQL gets the same condition as
// separate AND terms (tenantSql).
import { Prisma } from './generated/prisma/client.ts';

/** Whose rows a caller may touch: its organization and, for a project-limited key, one project. */
export interface TenantScope {
  readonly orgId: string;
  readonly projectId?: string | null | undefined;
}

/** The tenant condition of a table with `orgId` and `projectId` columns. */
export function tenantCondition(scope: TenantScope): { orgId: string; projectId?: string } {
  return scope.projectId ? { orgId: scope.orgId, projectId: scope.projectId } : { orgId: scope.orgId };
}

/** `where` limited to the scope: `{ AND: [tenant condition, where] }`. */
export function withinTenant<W extends object>(scope: TenantScope, where: W = {} as W): { AND: [{ orgId: string; projectId?: string }, W] } {
  return { AND: [tenantCondition(scope), where] };
}

/** Whether a project (of the scope's organization) is one the scope may name. */
export function projectInScope(scope: TenantScope, projectId: string): boolean {
  return !scope.projectId || scope.projectId === projectId;
}

/** The tenant condition as SQL terms on `alias`'s `orgId`/`projectId` columns, to be ANDed with the rest. */
export function tenantSql(alias: string, scope: TenantScope): Prisma.Sql[] {
  return [
    Prisma.sql`${Prisma.raw(alias)}."orgId" = ${scope.orgId}::uuid`,
    ...(scope.projectId ? [Prisma.sql`${Prisma.raw(alias)}."projectId" = ${scope.projectId}::uuid`] : []),
  ];
}
