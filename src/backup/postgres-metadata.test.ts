import { describe, expect, it } from 'vitest';
import { BackupError } from './backup-target.js';
import { toolConnection } from './postgres-metadata.js';

const query = (url: string) => Object.fromEntries(new URL(toolConnection(url).dbname).searchParams);

describe("pg_dump's connection from the metadata URL", () => {
  it('takes the password out of the URL, from the authority or a parameter', () => {
    const { dbname, env } = toolConnection('postgres://seawall:s%40cret@db:5432/meta?application_name=x');
    expect(dbname).toBe('postgres://seawall@db:5432/meta?application_name=x');
    expect(env.PGPASSWORD).toBe('s@cret');
    const other = toolConnection('postgres://seawall@db/meta?password=p2&sslmode=require');
    expect(other.dbname).not.toContain('p2');
    expect(other.env.PGPASSWORD).toBe('p2');
  });

  it("writes node-pg's parameters as libpq's, and refuses an ssl that turns TLS on, which libpq has no equal of", () => {
    expect(query('postgres://db/meta?ssl=0')).toEqual({ sslmode: 'disable' });
    expect(query('postgres://db/meta?ssl=0&sslmode=prefer')).toEqual({ sslmode: 'prefer' });
    expect(query('postgres://db/meta?sslmode=no-verify&uselibpqcompat=true')).toEqual({ sslmode: 'require' });
    expect(query('postgres://db/meta?sslmode=verify-full&sslrootcert=/etc/ca.pem')).toEqual({
      sslmode: 'verify-full',
      sslrootcert: '/etc/ca.pem',
    });
    // With sslmode given, libpq's word is taken and node-pg's ssl flag dropped.
    expect(query('postgres://db/meta?ssl=true&sslmode=verify-full')).toEqual({ sslmode: 'verify-full' });
    // node-pg turns TLS on for every ssl but 0 ("false" included): none has a libpq equal.
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
