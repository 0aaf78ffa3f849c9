// Prisma CLI configuration (Prisma 7 reads the datasource URL here, not from the schema).
// The default matches @medgrade/config so `prisma migrate` works here with no environment.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/medgrade' },
});
