import pg from 'pg';

/** Split a database URL into the database name and a URL to the server's `postgres` database. */
export function parseDatabaseUrl(databaseUrl: string): { name: string; adminUrl: string } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error(`Database URL has no database name: ${url.protocol}//${url.host}/`);
  url.pathname = '/postgres';
  return { name, adminUrl: url.toString() };
}

/** Replace the database name in a URL. */
export function withDatabaseName(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Run a callback with one connection to the server's maintenance database. */
export async function withAdminClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: parseDatabaseUrl(databaseUrl).adminUrl });
  try {
    await client.connect();
  } catch (error) {
    const host = new URL(databaseUrl).host;
    throw new Error(
      `PostgreSQL not reachable at ${host} (${(error as Error).message}): start it (e.g. pg_ctlcluster 15 main start, or docker compose up postgres) or set DATABASE_URL`,
      { cause: error },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rowCount === 1;
}

/** Create the URL's database if it does not exist yet. Returns true when it was created. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const { name } = parseDatabaseUrl(databaseUrl);
  return withAdminClient(databaseUrl, async (client) => {
    if (await databaseExists(client, name)) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (error) {
      // 42P04 duplicate_database: another process created it between the check and here.
      if ((error as { code?: string }).code !== '42P04') throw error;
      return false;
    }
    return true;
  });
}
