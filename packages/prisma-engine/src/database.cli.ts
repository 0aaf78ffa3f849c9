import pg from 'pg';

// `schema-engine cli <command>`: the one-shot database commands `migrate dev`, `migrate reset` and
// `db push` use to check, create or drop the database named by the datasource URL.

/** A schema-engine error as Prisma's CLI reads it from stderr. */
export function engineErrorLine(errorCode: string, message: string): string {
  return `\n${JSON.stringify({ level: 'ERROR', target: 'schema_engine::logger', fields: { error_code: errorCode, message } })}\n`;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The same server's maintenance database, for CREATE/DROP DATABASE. */
export function maintenanceUrl(url: string): string {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return admin.toString();
}

export async function runSql(connectionString: string, sql?: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    if (sql) await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Prisma's P-codes for the connection failures a user can act on. */
function prismaCode(err: { code?: string }): string {
  if (err.code === '3D000') return 'P1003';
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND') return 'P1001';
  return 'P1000';
}

/** Run one `cli` command; resolves with the process exit code. */
export async function runCliCommand(command: string | undefined, url: string | undefined, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (!url) {
    err.write(engineErrorLine('P1012', 'no datasource url was given to the schema engine'));
    return 1;
  }
  const database = decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
  try {
    if (command === 'can-connect-to-database') await runSql(url);
    else if (command === 'create-database') {
      await runSql(maintenanceUrl(url), `CREATE DATABASE ${quoteIdent(database)}`);
      out.write(`Database '${database}' was successfully created.\n`);
    } else if (command === 'drop-database') await runSql(maintenanceUrl(url), `DROP DATABASE ${quoteIdent(database)}`);
    else {
      err.write(engineErrorLine('P1000', `the offline schema engine does not support \`cli ${command ?? ''}\``));
      return 1;
    }
    return 0;
  } catch (e) {
    const failure = e as { code?: string; message?: string };
    const message = failure.code === '3D000' ? `Database \`${database}\` does not exist on the database server` : String(failure.message ?? e);
    err.write(engineErrorLine(prismaCode(failure), message));
    return 1;
  }
}
