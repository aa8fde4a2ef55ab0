import { gzipSync } from 'node:zlib';
import { type AthenaClient, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CreateTableCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudTrailTableInput } from '../src/catalog/index.js';
import { athenaClient, athenaQuery, waitForQuery } from './helpers/athena.js';
import { clientConfig } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * The audit logs as a catalog table: CloudTrail log files (gzip JSON `{"Records": [...]}` at CloudTrail's key
 * layout) read through AWS's documented CREATE EXTERNAL TABLE statements, and queried as an analyst would.
 */
let t: TestSeawall;
let s3: S3Client;
let glue: GlueClient;
let athena: AthenaClient;
const BUCKET = 'audit-trail';
const REGION = 'us-west-2';
let account: string;

const DAY = 86_400_000;
const recent = new Date(Date.now() - 2 * DAY);
const old = new Date(Date.now() - 30 * DAY);

function iso(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The folder and name CloudTrail gives a log file delivered at `date`. */
function logKey(date: Date, unique: string): { folder: string; key: string } {
  const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()].map((n) =>
    String(n).padStart(2, '0'),
  );
  const stamp = `${y}${m}${d}T${date.toISOString().slice(11, 13)}${date.toISOString().slice(14, 16)}Z`;
  const folder = `AWSLogs/${account}/CloudTrail/${REGION}/${y}/${m}/${d}/`;
  return { folder, key: `${folder}${account}_CloudTrail_${REGION}_${stamp}_${unique}.json.gz` };
}

function iamUser(name: string) {
  return {
    type: 'IAMUser',
    principalId: `AIDA${name.toUpperCase().padEnd(17, 'X')}`,
    arn: `arn:aws:iam::${account}:user/${name}`,
    accountId: account,
    accessKeyId: `AKIA${name.toUpperCase().padEnd(16, 'Q')}`,
    userName: name,
  };
}

function record(fields: Record<string, unknown>) {
  return {
    eventVersion: '1.10',
    awsRegion: REGION,
    sourceIPAddress: '10.0.4.17',
    userAgent: 'aws-cli/2.15.0 Python/3.11',
    requestID: crypto.randomUUID(),
    eventID: crypto.randomUUID(),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    ...fields,
  };
}

/** Records of the recent file: an Athena query by ana that read service_requests_311, and bob denied a PUT. */
function recentRecords() {
  const ana = iamUser('ana');
  return [
    record({
      userIdentity: ana,
      eventTime: iso(recent),
      eventSource: 'athena.amazonaws.com',
      eventName: 'StartQueryExecution',
      requestParameters: {
        queryString: 'SELECT * FROM vancouver.service_requests_311',
        workGroup: 'primary',
      },
      responseElements: { queryExecutionId: 'q-1' },
      readOnly: false,
    }),
    record({
      userIdentity: { ...ana, invokedBy: 'athena.amazonaws.com' },
      eventTime: iso(recent),
      eventSource: 'glue.amazonaws.com',
      eventName: 'GetTable',
      sourceIPAddress: 'athena.amazonaws.com',
      userAgent: 'athena.amazonaws.com',
      requestParameters: { databaseName: 'vancouver', name: 'service_requests_311' },
      responseElements: null,
      readOnly: true,
      resources: [
        {
          ARN: `arn:aws:glue:${REGION}:${account}:table/vancouver/service_requests_311`,
          accountId: account,
          type: 'AWS::Glue::Table',
        },
      ],
    }),
    record({
      userIdentity: iamUser('bob'),
      eventTime: iso(recent),
      eventSource: 's3.amazonaws.com',
      eventName: 'PutObject',
      errorCode: 'AccessDenied',
      errorMessage: 'Access Denied',
      requestParameters: { bucketName: 'lake', Host: 'localhost', key: 'raw/secret.csv' },
      responseElements: null,
      additionalEventData: { SignatureVersion: 'SigV4', bytesTransferredIn: 12 },
      readOnly: false,
      resources: [
        { ARN: 'arn:aws:s3:::lake/raw/secret.csv', type: 'AWS::S3::Object' },
        { ARN: 'arn:aws:s3:::lake', accountId: account, type: 'AWS::S3::Bucket' },
      ],
      eventCategory: 'Data',
      managementEvent: false,
    }),
  ];
}

/** Records of the old file: a month-old read of the same table by carl, acting through a role. */
function oldRecords() {
  return [
    record({
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:carl',
        arn: `arn:aws:sts::${account}:assumed-role/analyst/carl`,
        accountId: account,
        accessKeyId: 'ASIAEXAMPLE',
        invokedBy: 'athena.amazonaws.com',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLE',
            arn: `arn:aws:iam::${account}:role/analyst`,
            accountId: account,
            userName: 'analyst',
          },
          attributes: { creationDate: iso(old), mfaAuthenticated: 'false' },
        },
      },
      eventTime: iso(old),
      eventSource: 'glue.amazonaws.com',
      eventName: 'GetTable',
      requestParameters: { databaseName: 'vancouver', name: 'service_requests_311' },
      responseElements: null,
      readOnly: true,
    }),
  ];
}

async function put(key: string, body: Buffer | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

function logFile(records: unknown[]): Buffer {
  return gzipSync(JSON.stringify({ Records: records }));
}

/** AWS's documented statement (manual partitioning, hcatalog JsonSerDe), with its placeholders filled in. */
function jsonSerDeDdl(name: string, location: string): string {
  return `CREATE EXTERNAL TABLE ${name} (
    eventversion STRING,
    useridentity STRUCT<
                   type:STRING,
                   principalid:STRING,
                   arn:STRING,
                   accountid:STRING,
                   invokedby:STRING,
                   accesskeyid:STRING,
                   username:STRING,
                   onbehalfof: STRUCT<
                        userid: STRING,
                        identitystorearn: STRING>,
      sessioncontext:STRUCT<
        attributes:STRUCT<
                   mfaauthenticated:STRING,
                   creationdate:STRING>,
        sessionissuer:STRUCT<
                   type:STRING,
                   principalid:STRING,
                   arn:STRING,
                   accountid:STRING,
                   username:STRING>,
        ec2roledelivery:string,
        webidfederationdata: STRUCT<
                   federatedprovider: STRING,
                   attributes: map<string,string>>
      >
    >,
    eventtime STRING,
    eventsource STRING,
    eventname STRING,
    awsregion STRING,
    sourceipaddress STRING,
    useragent STRING,
    errorcode STRING,
    errormessage STRING,
    requestparameters STRING,
    responseelements STRING,
    additionaleventdata STRING,
    requestid STRING,
    eventid STRING,
    resources ARRAY<STRUCT<
                   arn:STRING,
                   accountid:STRING,
                   type:STRING>>,
    eventtype STRING,
    apiversion STRING,
    readonly STRING,
    recipientaccountid STRING,
    serviceeventdetails STRING,
    sharedeventid STRING,
    vpcendpointid STRING,
    vpcendpointaccountid STRING,
    eventcategory STRING,
    addendum STRUCT<
      reason:STRING,
      updatedfields:STRING,
      originalrequestid:STRING,
      originaleventid:STRING>,
    sessioncredentialfromconsole STRING,
    edgedevicedetails STRING,
    tlsdetails STRUCT<
      tlsversion:STRING,
      ciphersuite:STRING,
      clientprovidedhostheader:STRING>
  )
PARTITIONED BY (region string, year string, month string, day string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${location}'
TBLPROPERTIES ('classification'='cloudtrail')`;
}

/** AWS's older documented statement (the CloudTrail SerDe, camel-case names, unpartitioned). */
function cloudTrailSerdeDdl(name: string, location: string): string {
  return `CREATE EXTERNAL TABLE ${name} (
eventversion STRING,
userIdentity STRUCT<
               type:STRING,
               principalid:STRING,
               arn:STRING,
               accountid:STRING,
               invokedby:STRING,
               accesskeyid:STRING,
               userName:STRING,
sessioncontext:STRUCT<
attributes:STRUCT<
               mfaauthenticated:STRING,
               creationdate:STRING>,
sessionIssuer:STRUCT<
               type:STRING,
               principalId:STRING,
               arn:STRING,
               accountId:STRING,
               userName:STRING>>>,
eventTime STRING,
eventSource STRING,
eventName STRING,
awsRegion STRING,
sourceIpAddress STRING,
userAgent STRING,
errorCode STRING,
errorMessage STRING,
requestParameters STRING,
responseElements STRING,
additionalEventData STRING,
requestId STRING,
eventId STRING,
resources ARRAY<STRUCT<
               ARN:STRING,
               accountId:STRING,
               type:STRING>>,
eventType STRING,
apiVersion STRING,
readOnly STRING,
recipientAccountId STRING,
serviceEventDetails STRING,
sharedEventID STRING,
vpcEndpointId STRING
)
ROW FORMAT SERDE 'com.amazon.emr.hive.serde.CloudTrailSerde'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${location}'`;
}

function q(sql: string): Promise<string[][]> {
  return athenaQuery(athena, sql, 'audit');
}

async function failedQuery(sql: string): Promise<string> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({ QueryString: sql, QueryExecutionContext: { Database: 'audit' } }),
  );
  const done = await waitForQuery(athena, QueryExecutionId as string);
  expect(done.Status?.State, done.Status?.StateChangeReason).toBe('FAILED');
  return done.Status?.StateChangeReason ?? '';
}

let recentFolder: string;
let oldFolder: string;

beforeAll(async () => {
  t = await startTestSeawall();
  account = t.credentials.accountId;
  s3 = t.s3();
  glue = new GlueClient(clientConfig(t));
  athena = athenaClient(t);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const a = logKey(recent, 'Ab3dEf9hIjKlMn0p');
  const b = logKey(old, 'Qr5tUv7wXy1zAb2c');
  recentFolder = a.folder;
  oldFolder = b.folder;
  await put(a.key, logFile(recentRecords()));
  await put(b.key, logFile(oldRecords()));
  // A digest file beside the logs holds no records: a table over AWSLogs/ACCOUNT/ must not read it.
  await put(
    `AWSLogs/${account}/CloudTrail-Digest/${REGION}/2026/01/01/${account}_CloudTrail-Digest_${REGION}_trail_${REGION}_20260101T000000Z.json.gz`,
    gzipSync(JSON.stringify({ awsAccountId: account, logFiles: [] })),
  );
  await q('CREATE DATABASE audit');
}, 120_000);

afterAll(async () => {
  glue?.destroy();
  athena?.destroy();
  await t?.close();
});

describe("AWS's documented CloudTrail table (JsonSerDe, manual partitions)", () => {
  beforeAll(async () => {
    await q(jsonSerDeDdl('cloudtrail_logs', `s3://${BUCKET}/AWSLogs/${account}/CloudTrail/`));
    for (const [date, folder] of [
      [recent, recentFolder],
      [old, oldFolder],
    ] as const) {
      const [y, m, d] = folder.split('/').slice(4, 7);
      expect(date.getUTCFullYear()).toBe(Number(y));
      await q(
        `ALTER TABLE cloudtrail_logs ADD PARTITION (region='${REGION}', year='${y}', month='${m}', day='${d}') LOCATION 's3://${BUCKET}/${folder}'`,
      );
    }
  }, 60_000);

  it('counts events by name', async () => {
    expect(
      await q('SELECT eventname, count(*) AS n FROM cloudtrail_logs GROUP BY eventname ORDER BY eventname'),
    ).toEqual([
      ['eventname', 'n'],
      ['GetTable', '2'],
      ['PutObject', '1'],
      ['StartQueryExecution', '1'],
    ]);
  });

  it('reads nested identity fields case-insensitively', async () => {
    expect(
      await q(
        `SELECT useridentity.username, useridentity.arn, useridentity.invokedby, useridentity.sessioncontext.sessionissuer.username AS issuer
         FROM cloudtrail_logs WHERE eventname = 'GetTable' ORDER BY eventtime`,
      ),
    ).toEqual([
      ['username', 'arn', 'invokedby', 'issuer'],
      ['NULL', `arn:aws:sts::${account}:assumed-role/analyst/carl`, 'athena.amazonaws.com', 'analyst'],
      ['ana', `arn:aws:iam::${account}:user/ana`, 'athena.amazonaws.com', 'NULL'],
    ]);
  });

  it('gives STRING columns holding objects their JSON text, for json_extract', async () => {
    expect(
      await q(
        `SELECT json_extract_scalar(requestparameters, '$.name') AS name, responseelements, readonly,
                json_extract_scalar(additionaleventdata, '$.bytesTransferredIn') AS bytes_in
         FROM cloudtrail_logs WHERE eventname IN ('GetTable', 'PutObject') ORDER BY eventtime, eventname`,
      ),
    ).toEqual([
      ['name', 'responseelements', 'readonly', 'bytes_in'],
      ['service_requests_311', 'NULL', 'true', 'NULL'],
      ['service_requests_311', 'NULL', 'true', 'NULL'],
      ['NULL', 'NULL', 'false', '12'],
    ]);
  });

  it('answers who read vancouver.service_requests_311 in the last 7 days', async () => {
    expect(
      await q(
        `SELECT useridentity.arn AS who, eventtime, sourceipaddress
         FROM cloudtrail_logs
         WHERE eventname = 'GetTable'
           AND from_iso8601_timestamp(eventtime) > now() - interval '7' day
           AND json_extract_scalar(requestparameters, '$.databaseName') = 'vancouver'
           AND json_extract_scalar(requestparameters, '$.name') = 'service_requests_311'`,
      ),
    ).toEqual([
      ['who', 'eventtime', 'sourceipaddress'],
      [`arn:aws:iam::${account}:user/ana`, iso(recent), 'athena.amazonaws.com'],
    ]);
  });

  it('filters denied calls and reads resources by position', async () => {
    expect(
      await q(
        `SELECT useridentity.username, errorcode, errormessage, resources[1].arn AS first, resources[2].accountid AS owner,
                cardinality(resources) AS n
         FROM cloudtrail_logs WHERE errorcode = 'AccessDenied'`,
      ),
    ).toEqual([
      ['username', 'errorcode', 'errormessage', 'first', 'owner', 'n'],
      ['bob', 'AccessDenied', 'Access Denied', 'arn:aws:s3:::lake/raw/secret.csv', account, '2'],
    ]);
  });

  it('takes partition values as columns and filters by them', async () => {
    const [y, m, d] = recentFolder.split('/').slice(4, 7);
    expect(
      await q(
        `SELECT region, year, month, day, count(*) AS n FROM cloudtrail_logs
         WHERE region = '${REGION}' AND year = '${y}' AND month = '${m}' AND day = '${d}'
         GROUP BY region, year, month, day`,
      ),
    ).toEqual([
      ['region', 'year', 'month', 'day', 'n'],
      [REGION, y, m, d, '3'],
    ]);
  });
});

describe('what a CloudTrail table refuses', () => {
  it('INSERT INTO is refused: the table is read-only, as the logs are', async () => {
    expect(
      await failedQuery(
        "INSERT INTO cloudtrail_logs (eventname, region, year, month, day) VALUES ('Forged', 'us-west-2', '2026', '01', '01')",
      ),
    ).toMatch(/NOT_SUPPORTED: Table cloudtrail_logs reads CloudTrail log files and cannot be written to/);
    expect(await q('SELECT count(*) AS n FROM cloudtrail_logs')).toEqual([['n'], ['4']]);
  });
});

/** AWS's documented statement with partition projection (one region, a `timestamp` partition per day). */
function projectionDdl(name: string, regionFolder: string, start: string): string {
  return `CREATE EXTERNAL TABLE ${name}(
    eventversion STRING,
    useridentity STRUCT<
        type: STRING,
        principalid: STRING,
        arn: STRING,
        accountid: STRING,
        invokedby: STRING,
        accesskeyid: STRING,
        username: STRING,
        onbehalfof: STRUCT<
             userid: STRING,
             identitystorearn: STRING>,
        sessioncontext: STRUCT<
            attributes: STRUCT<
                mfaauthenticated: STRING,
                creationdate: STRING>,
            sessionissuer: STRUCT<
                type: STRING,
                principalid: STRING,
                arn: STRING,
                accountid: STRING,
                username: STRING>,
            ec2roledelivery:string,
            webidfederationdata: STRUCT<
                federatedprovider: STRING,
                attributes: map<string,string>>
        >
    >,
    eventtime STRING,
    eventsource STRING,
    eventname STRING,
    awsregion STRING,
    sourceipaddress STRING,
    useragent STRING,
    errorcode STRING,
    errormessage STRING,
    requestparameters STRING,
    responseelements STRING,
    additionaleventdata STRING,
    requestid STRING,
    eventid STRING,
    readonly STRING,
    resources ARRAY<STRUCT<
        arn: STRING,
        accountid: STRING,
        type: STRING>>,
    eventtype STRING,
    apiversion STRING,
    recipientaccountid STRING,
    serviceeventdetails STRING,
    sharedeventid STRING,
    vpcendpointid STRING,
    vpcendpointaccountid STRING,
    eventcategory STRING,
    addendum STRUCT<
      reason:STRING,
      updatedfields:STRING,
      originalrequestid:STRING,
      originaleventid:STRING>,
    sessioncredentialfromconsole STRING,
    edgedevicedetails STRING,
    tlsdetails STRUCT<
      tlsversion:STRING,
      ciphersuite:STRING,
      clientprovidedhostheader:STRING>
  )
PARTITIONED BY (
   \`timestamp\` string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION
  '${regionFolder}'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.timestamp.format'='yyyy/MM/dd',
  'projection.timestamp.interval'='1',
  'projection.timestamp.interval.unit'='DAYS',
  'projection.timestamp.range'='${start},NOW',
  'projection.timestamp.type'='date',
  'storage.location.template'='${regionFolder}/\${timestamp}')`;
}

function slashDate(date: Date): string {
  return date.toISOString().slice(0, 10).replaceAll('-', '/');
}

describe("AWS's documented CloudTrail table with partition projection", () => {
  it('reads the projected days without ALTER TABLE ADD PARTITION, and filters by the timestamp partition', async () => {
    const folder = `s3://${BUCKET}/AWSLogs/${account}/CloudTrail/${REGION}`;
    await q(projectionDdl('cloudtrail_logs_pp', folder, '2020/01/01'));
    expect(
      await q('SELECT "timestamp", count(*) AS n FROM cloudtrail_logs_pp GROUP BY "timestamp" ORDER BY 1'),
    ).toEqual([
      ['timestamp', 'n'],
      [slashDate(old), '1'],
      [slashDate(recent), '3'],
    ]);
    expect(
      await q(
        `SELECT useridentity.arn AS who FROM cloudtrail_logs_pp
         WHERE "timestamp" > date_format(current_date - interval '7' day, '%Y/%m/%d')
           AND eventname = 'GetTable' AND json_extract_scalar(requestparameters, '$.name') = 'service_requests_311'`,
      ),
    ).toEqual([['who'], [`arn:aws:iam::${account}:user/ana`]]);
    // A range starting after the old file's day does not project that day: its records are not read.
    await q(projectionDdl('cloudtrail_logs_recent', folder, slashDate(new Date(old.getTime() + DAY))));
    expect(await q('SELECT count(*) AS n FROM cloudtrail_logs_recent')).toEqual([['n'], ['3']]);
  });

  it("is read as the caller: a caller who may not read the template's folder is refused", async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'auditor' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'auditor',
        PolicyName: 'no-cloudtrail-reads',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['athena:*', 'glue:*', 's3:*'], Resource: '*' },
            {
              Effect: 'Deny',
              Action: 's3:GetObject',
              Resource: `arn:aws:s3:::${BUCKET}/AWSLogs/${account}/CloudTrail/*`,
            },
          ],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }));
    iam.destroy();
    const auditor = athenaClient(t, {
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    try {
      const { QueryExecutionId } = await auditor.send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT count(*) FROM cloudtrail_logs_pp',
          QueryExecutionContext: { Database: 'audit' },
        }),
      );
      const done = await waitForQuery(auditor, QueryExecutionId as string);
      expect(done.Status?.State).toBe('FAILED');
      expect(done.Status?.StateChangeReason).toMatch(/s3:GetObject/);
    } finally {
      auditor.destroy();
    }
  });
});

describe("AWS's older documented CloudTrail table (CloudTrailSerde, unpartitioned)", () => {
  it('reads every log file under the account, skips digests, and matches camel-case column names', async () => {
    await q(cloudTrailSerdeDdl('cloudtrail_serde', `s3://${BUCKET}/AWSLogs/${account}/`));
    expect(await q('SELECT count(*) AS n FROM cloudtrail_serde')).toEqual([['n'], ['4']]);
    expect(
      await q(
        `SELECT useridentity.username, resources[1].arn AS arn, recipientaccountid
         FROM cloudtrail_serde WHERE errorcode IS NOT NULL`,
      ),
    ).toEqual([
      ['username', 'arn', 'recipientaccountid'],
      ['bob', 'arn:aws:s3:::lake/raw/secret.csv', account],
    ]);
  });
});

describe('cloudTrailTableInput', () => {
  it("registers through Glue the same table as AWS's statement, and is queried the same", async () => {
    const location = `s3://${BUCKET}/AWSLogs/${account}/CloudTrail/`;
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'audit',
        TableInput: cloudTrailTableInput('trail_table', location),
      }),
    );
    await q(
      jsonSerDeDdl('ddl_table', location).replace(
        'PARTITIONED BY (region string, year string, month string, day string)\n',
        '',
      ),
    );
    const [viaGlue, viaDdl] = await Promise.all(
      ['trail_table', 'ddl_table'].map(async (Name) => {
        const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'audit', Name }));
        return Table;
      }),
    );
    expect(viaGlue?.StorageDescriptor).toEqual(viaDdl?.StorageDescriptor);
    expect(viaGlue?.PartitionKeys).toEqual(viaDdl?.PartitionKeys);
    expect(viaGlue?.Parameters).toEqual(viaDdl?.Parameters);
    expect(
      await q(
        `SELECT eventname, useridentity.username FROM trail_table
         WHERE json_extract_scalar(requestparameters, '$.name') = 'service_requests_311'
           AND from_iso8601_timestamp(eventtime) > now() - interval '7' day`,
      ),
    ).toEqual([
      ['eventname', 'username'],
      ['GetTable', 'ana'],
    ]);
  });
});

describe('hostile log files', () => {
  /** A CloudTrail table over `folder`, with `files` (name → body) in it. */
  async function hostileTable(name: string, files: Record<string, Buffer>): Promise<void> {
    for (const [file, body] of Object.entries(files)) await put(`hostile/${name}/${file}`, body);
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'audit',
        TableInput: cloudTrailTableInput(name, `s3://${BUCKET}/hostile/${name}/`),
      }),
    );
  }

  async function stillServing(): Promise<void> {
    expect((await fetch(`${t.url}/_seawall/health`)).status).toBe(200);
    expect(await q('SELECT 40 + 2 AS answer')).toEqual([['answer'], ['42']]);
  }

  it('a file that is not JSON, or not gzip, fails the query without naming engine paths', async () => {
    await hostileTable('not_json', { 'a.json.gz': gzipSync('this is not JSON at all') });
    await hostileTable('not_gzip', { 'a.json.gz': Buffer.from('{"Records": []}\x00\xff garbage') });
    for (const [table, why] of [
      ['not_json', /Malformed JSON/],
      ['not_gzip', /not a GZIP stream/],
    ] as const) {
      const reason = await failedQuery(`SELECT count(*) FROM ${table}`);
      expect(reason).toMatch(why);
      expect(reason).not.toMatch(/\/engine\/|\/tmp\//);
    }
    await stillServing();
  });

  it("a document that is not an object, Records that is not an array, or a record that is not an object fails with Athena's cursor error", async () => {
    await hostileTable('top_array', { 'a.json.gz': gzipSync('[{"eventName": "x"}]') });
    await hostileTable('records_object', { 'a.json.gz': gzipSync('{"Records": {"eventName": "x"}}') });
    await hostileTable('record_scalar', {
      'a.json.gz': gzipSync('{"Records": [{"eventName": "fine"}, 42]}'),
    });
    expect(await failedQuery('SELECT count(*) FROM top_array')).toMatch(
      /HIVE_CURSOR_ERROR: a CloudTrail log file is not a JSON object/,
    );
    expect(await failedQuery('SELECT * FROM records_object')).toMatch(
      /HIVE_CURSOR_ERROR: Records in a CloudTrail log file is not an array/,
    );
    expect(await failedQuery('SELECT eventname FROM record_scalar')).toMatch(
      /HIVE_CURSOR_ERROR: a record in a CloudTrail log file is not a JSON object/,
    );
    await stillServing();
  });

  it('a document without records has no rows; values of the wrong shape read as NULL', async () => {
    await hostileTable('odd_values', {
      'empty.json.gz': gzipSync('{"Records": null}'),
      'none.json.gz': gzipSync('{"digestEndTime": "2026-01-01T00:00:00Z"}'),
      'odd.json.gz': logFile([
        {
          eventName: 42,
          EVENTNAME: 'second',
          userIdentity: 'a string, not an object',
          resources: [7, { ARN: 'arn:aws:s3:::b', type: 'AWS::S3::Bucket' }, null],
          readOnly: true,
          requestParameters: [1, { a: null }],
          tlsDetails: { tlsVersion: ['TLSv1.3'] },
        },
        { eventName: 'Named', resources: 'not an array', userIdentity: { sessionContext: 'flat' } },
      ]),
    });
    expect(
      await q(
        `SELECT eventname, useridentity, resources[2].arn AS arn, cardinality(resources) AS n, resources[1] IS NULL AS first_null,
                readonly, requestparameters, tlsdetails.tlsversion AS tls, useridentity.sessioncontext AS ctx
         FROM odd_values ORDER BY eventname`,
      ),
    ).toEqual([
      ['eventname', 'useridentity', 'arn', 'n', 'first_null', 'readonly', 'requestparameters', 'tls', 'ctx'],
      ['42', 'NULL', 'arn:aws:s3:::b', '3', 'true', 'true', '[1,{"a":null}]', '["TLSv1.3"]', 'NULL'],
      [
        'Named',
        expect.stringContaining('sessioncontext=null'),
        'NULL',
        'NULL',
        'true',
        'NULL',
        'NULL',
        'NULL',
        'NULL',
      ],
    ]);
  });

  it('reads map columns from objects, a repeated key keeping its first value', async () => {
    const federated =
      '{"Records": [{"eventName": "AssumeRoleWithWebIdentity", "userIdentity": {"type": "WebIdentityUser", "sessionContext": {"webIdFederationData": {"federatedProvider": "cognito", "attributes": {"aud": "app", "sub": {"id": 7}, "aud": "again", "n": 3}}}}}]}';
    await hostileTable('federated', { 'a.json.gz': gzipSync(federated) });
    expect(
      await q(
        `SELECT useridentity.sessioncontext.webidfederationdata.federatedprovider AS provider,
                element_at(useridentity.sessioncontext.webidfederationdata.attributes, 'aud') AS aud,
                element_at(useridentity.sessioncontext.webidfederationdata.attributes, 'sub') AS sub,
                element_at(useridentity.sessioncontext.webidfederationdata.attributes, 'n') AS n,
                cardinality(useridentity.sessioncontext.webidfederationdata.attributes) AS size
         FROM federated`,
      ),
    ).toEqual([
      ['provider', 'aud', 'sub', 'n', 'size'],
      ['cognito', 'app', '{"id":7}', '3', '3'],
    ]);
  });

  it('values nested 200,000 deep are read as their JSON text, and the server keeps serving', async () => {
    const depth = 200_000;
    const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    await hostileTable('deep', {
      'a.json.gz': gzipSync(`{"Records": [{"eventName": "Deep", "requestParameters": ${nested}}]}`),
    });
    expect(
      await q(
        "SELECT eventname, length(requestparameters) AS size, json_extract_scalar(requestparameters, '$.a.a.a') AS a FROM deep",
      ),
    ).toEqual([
      ['eventname', 'size', 'a'],
      ['Deep', String(nested.length), 'NULL'],
    ]);
    await stillServing();
  }, 120_000);
});
