import { describe, expect, it } from 'vitest';
import { BackupError } from './backup-target.js';
import { toolConnection } from './postgres-metadata.js';

const query = (url: string) => Object.fromEntries(new URL(toolConnection(url).dbname).searchParams);

describe("pg_dump's connection from the metadata URL", () => {
  it('takes the password out of the URL, from the authority or a parameter', () => {
    const { dbname, env } = toolConnection('postgres://seawall:s%40cret@db:5432/meta?application_name=x');
    expect(dbname).toBe('postgres://seawall@db:5432/meta?application_name=x');
    expect(env.PGPASSWORD).toBe('s@cret');
    // What is left of the query stays percent-encoded: libpq reads no '+' as a space.
    expect(toolConnection('postgres://db/meta?password=x&application_name=city%20lake').dbname).toBe(
      'postgres://db/meta?application_name=city%20lake',
    );
    const other = toolConnection('postgres://seawall@db/meta?password=p2&sslmode=require');
    expect(other.dbname).not.toContain('p2');
    expect(other.env.PGPASSWORD).toBe('p2');
  });

  it("writes node-pg's TLS parameters as libpq's words for what node-pg does, never weaker", () => {
    expect(query('postgres://db/meta?ssl=0')).toEqual({ sslmode: 'disable' });
    expect(query('postgres://db/meta?sslmode=disable')).toEqual({ sslmode: 'disable' });
    expect(query('postgres://db/meta?sslmode=no-verify')).toEqual({ sslmode: 'require' });
    // node-pg verifies the certificate for these as for verify-full: so are the tools told.
    for (const mode of ['prefer', 'require', 'verify-ca', 'verify-full'])
      expect(query(`postgres://db/meta?sslmode=${mode}&sslrootcert=/etc/ca.pem`)).toEqual({
        sslmode: 'verify-full',
        sslrootcert: '/etc/ca.pem',
      });
    // With uselibpqcompat=true node-pg takes libpq's meanings: passed on as they are, the flag dropped.
    expect(query('postgres://db/meta?sslmode=require&uselibpqcompat=true')).toEqual({ sslmode: 'require' });
    expect(query('postgres://db/meta?ssl=0&sslmode=prefer&uselibpqcompat=true')).toEqual({
      sslmode: 'prefer',
    });
    // With sslmode given, node-pg goes by it: its ssl flag is dropped.
    expect(query('postgres://db/meta?ssl=true&sslmode=verify-full')).toEqual({ sslmode: 'verify-full' });
    // node-pg turns TLS on for every ssl but 0 ("false" included), with Node's roots: libpq has no equal.
    for (const ssl of ['true', '1', 'false', 'yes'])
      expect(() => toolConnection(`postgres://u:secret@db/meta?ssl=${ssl}`)).toThrow(BackupError);
    expect(() => toolConnection('postgres://u:secret@db/meta?ssl=true')).toThrow(/sslmode=verify-full/);
  });

  it('refuses what is not a URL, or a password that is not URL-encoded, without echoing it', () => {
    expect(() => toolConnection('not a url')).toThrow(BackupError);
    try {
      toolConnection('postgres://u:50%zz@db/meta');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BackupError);
      expect((error as Error).message).not.toContain('50%zz');
    }
  });
});
