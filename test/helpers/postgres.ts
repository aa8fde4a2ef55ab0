import pg from 'pg';

/** The machine's PostgreSQL (trust auth on loopback), as an administrator; tests make databases of their own. */
export const POSTGRES_ADMIN_URL =
  process.env.SEAWALL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs one statement as the administrator (CREATE DATABASE, DROP DATABASE …). */
export async function postgresAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The URL of the database `name` on the same server. */
export function postgresUrl(name: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
