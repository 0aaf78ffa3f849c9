import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export interface PrismaClientOptions {
  /** Pool size; Postgres connections are the scarce resource, so keep it small per process. */
  maxConnections?: number;
}

/** Build a Prisma client over node-postgres (Prisma 7 driver adapter). Call `$disconnect()` on close. */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  // Interactive transactions wait for a pooled connection; Prisma's 2 s default is too short when
  // many requests serialize on one lock (audit appends of an organization) under load.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: 10_000, timeout: 20_000 } });
}
