import { describe, expect, it } from 'vitest';
import { parseReplication, type ReplicationRule, replicationXml, rulesFor } from './replication-config.js';

const ROLE = 'arn:aws:iam::123456789012:role/replication';
const destination = (bucket = 'replica') => ({ Bucket: `arn:aws:s3:::${bucket}`, Account: '210987654321' });

/** A document as the XML reader gives it: elements as records, Rule and Tag as arrays, leaves as text. */
function parse(...rules: Record<string, unknown>[]) {
  return parseReplication({ ReplicationConfiguration: { Role: ROLE, Rule: rules } });
}

function code(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('replication configuration', () => {
  it('reads the first schema (a rule-level Prefix): delete markers replicated, no priority, answered as put', () => {
    const config = parse({ ID: 'old', Prefix: 'raw/', Status: 'Enabled', Destination: destination() });
    expect(config.rules[0]).toMatchObject({
      form: 'prefix',
      deleteMarkers: true,
      filter: { prefix: 'raw/' },
    });
    expect(config.rules[0]?.priority).toBeUndefined();
    const rule = (replicationXml(config).Rule as Record<string, unknown>[])[0];
    expect(rule).toMatchObject({ ID: 'old', Prefix: 'raw/', Status: 'Enabled' });
    expect(rule?.Filter).toBeUndefined();
    expect(rule?.DeleteMarkerReplication).toBeUndefined();
  });

  it('gives a rule without an ID a random one, and a current-schema rule without a Priority 0', () => {
    const config = parse(
      {
        ID: 'rule-2',
        Filter: { Prefix: 'a/' },
        Priority: '1',
        Status: 'Enabled',
        DeleteMarkerReplication: { Status: 'Disabled' },
        Destination: destination(),
      },
      {
        Filter: { Prefix: 'b/' },
        Status: 'Enabled',
        DeleteMarkerReplication: { Status: 'Disabled' },
        Destination: destination(),
      },
    );
    expect(config.rules[1]?.id).toMatch(/^[A-Za-z0-9+/=]{32}$/);
    expect(config.rules[1]?.priority).toBe(0);
  });

  it("refuses what S3 refuses, with S3's codes", () => {
    const v2 = (extra: Record<string, unknown>) => ({
      Filter: { Prefix: 'a/' },
      Priority: '1',
      Status: 'Enabled',
      DeleteMarkerReplication: { Status: 'Disabled' },
      Destination: destination(),
      ...extra,
    });
    expect(code(() => parse(v2({ DeleteMarkerReplication: undefined })))).toBe('InvalidRequest');
    expect(
      code(() =>
        parse(
          v2({ Filter: { Tag: [{ Key: 'k', Value: 'v' }] }, DeleteMarkerReplication: { Status: 'Enabled' } }),
        ),
      ),
    ).toBe('InvalidRequest');
    expect(code(() => parse(v2({ Destination: { ...destination(), StorageClass: 'BOGUS' } })))).toBe(
      'MalformedXML',
    );
    expect(
      code(() =>
        parse(
          v2({
            Destination: {
              ...destination(),
              ReplicationTime: { Status: 'Enabled', Time: { Minutes: '15' } },
              Metrics: { Status: 'Enabled' },
            },
          }),
        ),
      ),
    ).toBe('NotImplemented');
    expect(code(() => parse(v2({}), v2({ ID: 'x' })))).toBe('InvalidRequest');
    expect(code(() => parse(v2({ Destination: { Bucket: 'replica' } })))).toBe('InvalidArgument');
    // A bucket ARN naming what no bucket can be called says which of S3's naming rules the name breaks.
    const arnRefusal = (Bucket: string): string | undefined => {
      try {
        parse(v2({ Destination: { Bucket, Account: '999999999999' } }));
        return undefined;
      } catch (error) {
        return `${(error as { code?: string }).code}: ${(error as Error).message}`;
      }
    };
    expect(arnRefusal('arn:aws:s3:::zz')).toBe(
      'InvalidArgument: Invalid bucket ARN: the bucket name must be between 3 and 63 characters long.',
    );
    expect(arnRefusal('arn:aws:s3:::a..b')).toBe(
      'InvalidArgument: Invalid bucket ARN: the bucket name must not contain two adjacent periods.',
    );
    expect(arnRefusal('arn:aws:s3:::replica/prefix')).toMatch(/^InvalidArgument: Invalid bucket ARN: /);
    expect(arnRefusal('arn:aws:s3:::zzz')).toBeUndefined();
    expect(code(() => parse(v2({ Status: 'On' })))).toBe('MalformedXML');
    expect(code(() => parseReplication({ ReplicationConfiguration: { Rule: [v2({})] } }))).toBe(
      'MalformedXML',
    );
    // Overlapping first-schema prefixes to the same destination; to two destinations they may overlap.
    const old = (prefix: string, bucket: string) => ({
      Prefix: prefix,
      Status: 'Enabled',
      Destination: destination(bucket),
    });
    expect(code(() => parse(old('a/', 'one'), old('a/b', 'one')))).toBe('InvalidRequest');
    expect(code(() => parse(old('a/', 'one'), old('a/b', 'two')))).toBeUndefined();
  });

  it('picks, for each destination, the enabled rule of highest priority that selects the object', () => {
    const rule = (
      id: string,
      priority: number,
      prefix: string,
      bucket: string,
      markers = true,
    ): ReplicationRule => ({
      id,
      priority,
      enabled: true,
      form: 'filter-prefix',
      filter: { prefix },
      deleteMarkers: markers,
      sseKmsObjects: false,
      destination: { bucket, ownerOverride: false },
    });
    const config = {
      role: ROLE,
      rules: [rule('low', 1, 'a/', 'one'), rule('high', 2, 'a/b', 'one', false), rule('other', 1, '', 'two')],
    };
    const subject = { key: 'a/b/c', tags: new Map<string, string>(), deleteMarker: false, sseKms: false };
    expect(rulesFor(config, subject).map((r) => r.id)).toEqual(['high', 'other']);
    // The winning rule does not replicate delete markers: the marker goes only where its rule says.
    expect(rulesFor(config, { ...subject, deleteMarker: true }).map((r) => r.id)).toEqual(['other']);
    expect(rulesFor(config, { ...subject, sseKms: true })).toEqual([]);
  });
});
