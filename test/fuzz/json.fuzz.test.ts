import { Readable } from 'node:stream';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { readJsonObject } from '../../src/lib/aws-json.js';
import type { ApiRequest } from '../../src/lib/http.js';
import { rawRequest, signedHeaders } from '../helpers/raw.js';
import { startTestSeawall, type TestSeawall } from '../helpers/seawall.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';

let t: TestSeawall;
beforeAll(async () => {
  t = await startTestSeawall();
});
afterAll(async () => {
  await t.close();
});

const GLUE = [
  'CreateDatabase',
  'GetDatabase',
  'GetDatabases',
  'UpdateDatabase',
  'DeleteDatabase',
  'CreateTable',
  'GetTable',
  'GetTables',
  'UpdateTable',
  'DeleteTable',
  'GetTableVersions',
  'CreatePartition',
  'BatchCreatePartition',
  'GetPartition',
  'GetPartitions',
  'DeletePartition',
  'CreateCrawler',
  'GetCrawler',
  'GetCrawlers',
  'ListCrawlers',
  'GetCrawlerMetrics',
  'StartCrawler',
  'DeleteCrawler',
];
const ATHENA = [
  'StartQueryExecution',
  'GetQueryExecution',
  'BatchGetQueryExecution',
  'GetQueryResults',
  'StopQueryExecution',
  'ListQueryExecutions',
  'GetWorkGroup',
  'ListWorkGroups',
];
/** CloudTrail's operations: their inputs end up in the audit trail's own records too. */
const CLOUDTRAIL = [
  'LookupEvents',
  'CreateTrail',
  'UpdateTrail',
  'DescribeTrails',
  'GetTrailStatus',
  'StartLogging',
  'PutEventSelectors',
  'GetEventSelectors',
  'ListPublicKeys',
  'DeleteTrail',
];
/** DataBrew's restJson routes; `{}` is a name taken from the generator. */
const DATABREW: [string, string][] = [
  ['POST', '/recipes'],
  ['GET', '/recipes'],
  ['GET', '/recipes/{}'],
  ['PUT', '/recipes/{}'],
  ['POST', '/recipes/{}/publishRecipe'],
  ['DELETE', '/recipes/{}/recipeVersion/{}'],
  ['GET', '/recipeVersions'],
  ['POST', '/datasets'],
  ['GET', '/datasets/{}'],
  ['GET', '/datasets'],
  ['POST', '/recipeJobs'],
  ['PUT', '/recipeJobs/{}'],
  ['GET', '/jobs/{}'],
  ['GET', '/jobs'],
  ['DELETE', '/jobs/{}'],
  ['POST', '/jobs/{}/startJobRun'],
  ['GET', '/jobs/{}/jobRun/{}'],
  ['GET', '/jobs/{}/jobRuns'],
  ['POST', '/jobs/{}/jobRun/{}/stopJobRun'],
];

/** Field names the services read, so that generated inputs get past the first check. */
const FIELDS = [
  'Name',
  'DatabaseName',
  'TableName',
  'DatabaseInput',
  'TableInput',
  'PartitionInput',
  'PartitionValues',
  'PartitionInputList',
  'Expression',
  'NextToken',
  'MaxResults',
  'CrawlerNameList',
  'SkipArchive',
  'Role',
  'Targets',
  'S3Targets',
  'Path',
  'StorageDescriptor',
  'Columns',
  'Type',
  'Location',
  'PartitionKeys',
  'Parameters',
  'QueryString',
  'QueryExecutionId',
  'QueryExecutionIds',
  'QueryExecutionContext',
  'Database',
  'Catalog',
  'ResultConfiguration',
  'OutputLocation',
  'WorkGroup',
  'ClientRequestToken',
  'Steps',
  'Action',
  'Operation',
  'RecipeReference',
  'RecipeName',
  'RecipeVersion',
  'DatasetName',
  'Input',
  'S3InputDefinition',
  'Bucket',
  'Key',
  'Format',
  'FormatOptions',
  'Outputs',
  'DataCatalogOutputs',
  'Description',
  'LookupAttributes',
  'AttributeKey',
  'AttributeValue',
  'StartTime',
  'EndTime',
  'EventCategory',
  'S3BucketName',
  'TrailNameList',
  'EventSelectors',
  'Password',
  '__proto__',
  'constructor',
];
const scalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', 'primary', 'SELECT 1', 's3://fuzz/x/', 'csv', '1.0', 'LATEST_WORKING', "' OR 1=1 --"),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 6 })), tie('v'), {
      maxKeys: 4,
    }),
  ),
})).v;
/** Valid inputs of the operations that create things, to mutate: they reach the deepest code. */
const TEMPLATES = [
  '{"DatabaseInput":{"Name":"fuzzdb","Description":"d"}}',
  '{"DatabaseName":"fuzzdb","TableInput":{"Name":"t","StorageDescriptor":{"Columns":[{"Name":"a","Type":"string"}],"Location":"s3://fuzz/t/"},"PartitionKeys":[{"Name":"year","Type":"string"}]}}',
  '{"DatabaseName":"fuzzdb","TableName":"t","PartitionInput":{"Values":["2024"],"StorageDescriptor":{"Location":"s3://fuzz/t/year=2024/"}}}',
  '{"Name":"c","Role":"r","DatabaseName":"fuzzdb","Targets":{"S3Targets":[{"Path":"s3://fuzz/t/"}]}}',
  '{"QueryString":"SELECT 1","QueryExecutionContext":{"Database":"fuzzdb"},"WorkGroup":"primary"}',
  '{"Name":"r","Steps":[{"Action":{"Operation":"UPPER_CASE","Parameters":{"sourceColumn":"a"}}}]}',
  '{"Name":"d","Input":{"S3InputDefinition":{"Bucket":"fuzz","Key":"t/"}},"Format":"CSV"}',
  '{"Name":"j","DatasetName":"d","RoleArn":"r","RecipeReference":{"Name":"r","RecipeVersion":"1.0"},"Outputs":[{"Location":{"Bucket":"fuzz","Key":"out/"}}]}',
];
const body = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(...TEMPLATES)
      .chain((doc) =>
        fc.oneof(
          fc.constant(doc),
          mutated(doc, fc.constantFrom('"', ',', '{}', '[]', '1', 'null', 'x', '\\u0000')),
        ),
      ),
  },
  {
    weight: 4,
    arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 }).map((o) => JSON.stringify(o)),
  },
  fc.jsonValue().map((v) => JSON.stringify(v)),
  mutated(
    '{"Name":"n","DatabaseInput":{"Name":"n"},"QueryString":"SELECT 1","Steps":[]}',
    fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\u0000', '1e999', 'null'),
  ),
  wireText(60).filter((text) => /^[\t\n\r\x20-\x7e]*$/.test(text)),
  fc.constantFrom('', ' ', '[]', 'null', '"x"', '{"a":'.repeat(2000), '['.repeat(100_000)),
);

async function send(
  service: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  text: string,
) {
  const signed = await signedHeaders(t, { method, path, service, headers, body: text });
  return rawRequest(t.url, {
    method,
    path,
    headers: { ...signed, 'content-length': Buffer.byteLength(text) },
    body: text,
  });
}

/** An answer, never a failure of the server: 2xx JSON, or a 4xx in the protocol's own error shape. */
function expectProtocolAnswer(res: { status: number; headers: Record<string, unknown>; body: string }) {
  expect(res.status < 500, `${res.status} ${res.body}`).toBe(true);
  if (res.status >= 400) {
    const error = JSON.parse(res.body) as { __type?: unknown };
    expect(typeof error.__type).toBe('string');
    expect(res.headers['x-amzn-errortype']).toBe(error.__type);
  } else if (res.body !== '') JSON.parse(res.body);
}

describe('JSON request bodies under fuzzing', () => {
  it('readJsonObject: any bytes are an object or the given error code', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      body.map((text) => Buffer.from(text)),
    );
    await fc.assert(
      fc.asyncProperty(bytes, fc.nat({ max: 300 }), async (data, limit) => {
        const req = { body: Readable.from([data]), reserve: () => {} } as Partial<ApiRequest> as ApiRequest;
        try {
          const parsed = await readJsonObject(req, 'SerializationException', limit);
          expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);
        } catch (error) {
          expect(isAppError(error) && error.code === 'SerializationException' && error.status === 400).toBe(
            true,
          );
        }
      }),
      fuzzParameters(1000),
    );
  });

  it('awsJson services (Glue, Athena) answer any body with a result or their JSON error', async () => {
    const target = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...GLUE.map((op) => ['glue', `AWSGlue.${op}`] as const)) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(...ATHENA.map((op) => ['athena', `AmazonAthena.${op}`] as const)),
      },
      fc.tuple(
        fc.constantFrom('glue', 'athena'),
        wireText(20).filter((x) => /^[\x21-\x7e]*$/.test(x)),
      ),
    );
    await fc.assert(
      fc.asyncProperty(target, body, async ([service, name], text) => {
        const res = await send(
          service,
          'POST',
          '/',
          { 'x-amz-target': name, 'content-type': 'application/x-amz-json-1.1' },
          text,
        );
        expectProtocolAnswer(res);
      }),
      fuzzParameters(150, { caseTimeoutMs: 20_000 }),
    );
    expect((await fetch(`${t.url}/_seawall/health`)).status).toBe(200);
  });

  it('CloudTrail answers any body with a result or its JSON error, and records every call it was sent', async () => {
    const target = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...CLOUDTRAIL.map((op) => `CloudTrail_20131101.${op}`)) },
      fc.constantFrom(
        ...CLOUDTRAIL.map((op) => `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.${op}`),
      ),
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(target, body, async (name, text) => {
        sent++;
        const res = await send(
          'cloudtrail',
          'POST',
          '/',
          { 'x-amz-target': name, 'content-type': 'application/x-amz-json-1.1' },
          text,
        );
        expectProtocolAnswer(res);
      }),
      fuzzParameters(150, { caseTimeoutMs: 20_000 }),
    );
    // Each of those calls was recorded, and every record is still CloudTrail JSON.
    const trail = new CloudTrailClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: t.credentials,
    });
    let seen = 0;
    let token: string | undefined;
    do {
      const page = await trail.send(new LookupEventsCommand({ ...(token ? { NextToken: token } : {}) }));
      for (const event of page.Events ?? []) {
        const record = JSON.parse(event.CloudTrailEvent ?? '') as { eventSource: string };
        if (record.eventSource === 'cloudtrail.amazonaws.com') seen++;
      }
      token = page.NextToken;
    } while (token);
    trail.destroy();
    expect(seen).toBeGreaterThanOrEqual(sent);
  });

  it('DataBrew (restJson) answers any route, name and body with a result or its JSON error', async () => {
    const name = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
      fc.constantFrom('.', '..', '%', 'a/b'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...DATABREW),
        fc.array(name, { minLength: 2, maxLength: 2 }),
        body,
        async ([method, pattern], names, text) => {
          let i = 0;
          const path = pattern.replace(/\{\}/g, () => encodeURIComponent(names[i++] ?? 'x'));
          const res = await send(
            'databrew',
            method,
            path,
            { 'content-type': 'application/json' },
            method === 'GET' || method === 'DELETE' ? '' : text,
          );
          expectProtocolAnswer(res);
        },
      ),
      fuzzParameters(120, { caseTimeoutMs: 20_000 }),
    );
    expect((await fetch(`${t.url}/_seawall/health`)).status).toBe(200);
  });
});
