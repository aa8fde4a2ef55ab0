import { CURATED_BUCKET, CURATED_DATABASE, RAW_BUCKET, RAW_DATABASE } from './zones.js';

/**
 * The city team the demo creates beside the account's root: who they are, what their policies allow, and the
 * aws cli profile each one gets; and the service role the pipeline's crawler and jobs run as. The policy documents are written out here so a reviewer reads exactly what
 * each persona may do; `persona-setup.ts` creates them through the IAM API.
 */

/** Where the policies apply: the account's own ARNs, and the bucket the primary workgroup writes results to. */
export interface PolicyScope {
  readonly accountId: string;
  readonly region: string;
  readonly resultsBucket: string;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Record<string, unknown>[];
}

const s3 = (bucket: string, key?: string) => `arn:aws:s3:::${bucket}${key === undefined ? '' : `/${key}`}`;

/**
 * The lake's objects are SSE-KMS: reading one needs kms:Decrypt on its key, writing one kms:GenerateDataKey,
 * and only through S3 (kms:ViaService), as AWS's own examples grant it.
 */
function lakeKeyStatement(scope: PolicyScope): Record<string, unknown> {
  return {
    Sid: 'UseTheLakeKeyThroughS3',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: `arn:aws:kms:${scope.region}:${scope.accountId}:key/*`,
    Condition: { StringEquals: { 'kms:ViaService': `s3.${scope.region}.amazonaws.com` } },
  };
}

/** Queries in the primary workgroup, results read and written in its results bucket. */
function athenaStatements(scope: PolicyScope): Record<string, unknown>[] {
  return [
    lakeKeyStatement(scope),
    {
      Sid: 'QueryInThePrimaryWorkgroup',
      Effect: 'Allow',
      Action: [
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
        'athena:GetQueryExecution',
        'athena:BatchGetQueryExecution',
        'athena:GetQueryResults',
        'athena:ListQueryExecutions',
        'athena:GetWorkGroup',
      ],
      Resource: `arn:aws:athena:${scope.region}:${scope.accountId}:workgroup/primary`,
    },
    { Sid: 'SeeWorkgroups', Effect: 'Allow', Action: 'athena:ListWorkGroups', Resource: '*' },
    {
      Sid: 'WriteAndReadQueryResults',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
      Resource: s3(scope.resultsBucket, '*'),
    },
    {
      Sid: 'ListQueryResults',
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetBucketLocation'],
      Resource: s3(scope.resultsBucket),
    },
  ];
}

function glueArn(scope: PolicyScope, resource: string): string {
  return `arn:aws:glue:${scope.region}:${scope.accountId}:${resource}`;
}

/**
 * SeawallAnalyst: reads the curated zone and its catalog database and queries it with Athena; never the raw
 * zone (denied outright, so no other grant added later can open it).
 */
export function analystPolicy(scope: PolicyScope): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadTheCuratedCatalog',
        Effect: 'Allow',
        Action: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:GetPartition',
          'glue:GetPartitions',
        ],
        Resource: [
          glueArn(scope, 'catalog'),
          glueArn(scope, `database/${CURATED_DATABASE}`),
          glueArn(scope, `table/${CURATED_DATABASE}/*`),
        ],
      },
      {
        Sid: 'ListDatabases',
        Effect: 'Allow',
        Action: 'glue:GetDatabases',
        Resource: [glueArn(scope, 'catalog'), glueArn(scope, 'database/*')],
      },
      {
        Sid: 'ReadCuratedData',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetObject'],
        Resource: [s3(CURATED_BUCKET), s3(CURATED_BUCKET, '*')],
      },
      ...athenaStatements(scope),
      {
        Sid: 'NeverTheRawZone',
        Effect: 'Deny',
        Action: ['s3:*', 'glue:*'],
        Resource: [
          s3(RAW_BUCKET),
          s3(RAW_BUCKET, '*'),
          glueArn(scope, `database/${RAW_DATABASE}`),
          glueArn(scope, `table/${RAW_DATABASE}/*`),
        ],
      },
    ],
  };
}

/**
 * SeawallDataSteward: looks after the data itself: both zones, both catalog databases, the crawlers and the
 * DataBrew recipes, datasets and jobs that turn raw into curated, and Athena to check the result. No IAM
 * beyond handing the pipeline's role to Glue and DataBrew (iam:PassRole on that one role, as AWS requires).
 */
export function dataStewardPolicy(scope: PolicyScope): PolicyDocument {
  const zones = [RAW_BUCKET, CURATED_BUCKET];
  const databases = [RAW_DATABASE, CURATED_DATABASE];
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'SeeBuckets', Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
      {
        Sid: 'ListTheZones',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
        Resource: zones.map((bucket) => s3(bucket)),
      },
      {
        Sid: 'ManageObjectsInTheZones',
        Effect: 'Allow',
        Action: [
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        Resource: zones.map((bucket) => s3(bucket, '*')),
      },
      {
        Sid: 'ManageTheCatalog',
        Effect: 'Allow',
        Action: 'glue:*',
        Resource: [
          glueArn(scope, 'catalog'),
          ...databases.map((db) => glueArn(scope, `database/${db}`)),
          ...databases.map((db) => glueArn(scope, `table/${db}/*`)),
        ],
      },
      {
        Sid: 'ListDatabases',
        Effect: 'Allow',
        Action: 'glue:GetDatabases',
        Resource: [glueArn(scope, 'catalog'), glueArn(scope, 'database/*')],
      },
      // Listing crawlers names no crawler, so those actions take Resource "*".
      { Sid: 'RunCrawlers', Effect: 'Allow', Action: 'glue:*Crawler*', Resource: '*' },
      {
        Sid: 'CleanWithDataBrew',
        Effect: 'Allow',
        Action: 'databrew:*',
        Resource: ['recipe', 'dataset', 'job'].map(
          (kind) => `arn:aws:databrew:${scope.region}:${scope.accountId}:${kind}/*`,
        ),
      },
      {
        Sid: 'ListDataBrew',
        Effect: 'Allow',
        Action: ['databrew:ListRecipes', 'databrew:ListDatasets', 'databrew:ListJobs'],
        Resource: '*',
      },
      {
        Sid: 'HandThePipelineRoleToGlueAndDataBrew',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: pipelineRoleArn(scope.accountId),
        Condition: { StringEquals: { 'iam:PassedToService': PIPELINE_SERVICES } },
      },
      ...athenaStatements(scope),
    ],
  };
}

/** The service role crawlers and DataBrew jobs act as: the demo's pipeline runs with exactly this. */
export const PIPELINE_ROLE = 'seawall-demo';
export const PIPELINE_SERVICES = ['glue.amazonaws.com', 'databrew.amazonaws.com'];

export function pipelineRoleArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:role/${PIPELINE_ROLE}`;
}

/** Who may assume the pipeline role: Glue (crawlers) and DataBrew (recipe jobs), nobody else. */
export const PIPELINE_TRUST: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: PIPELINE_SERVICES }, Action: 'sts:AssumeRole' }],
};

/** SeawallDemoPipeline, the role's inline policy: crawl and read raw, write curated, keep the catalog. */
export function pipelinePolicy(scope: PolicyScope): PolicyDocument {
  const databases = [RAW_DATABASE, CURATED_DATABASE];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadTheRawZone',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetObject'],
        Resource: [s3(RAW_BUCKET), s3(RAW_BUCKET, '*')],
      },
      {
        Sid: 'WriteTheCuratedZone',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: [s3(CURATED_BUCKET), s3(CURATED_BUCKET, '*')],
      },
      lakeKeyStatement(scope),
      {
        Sid: 'KeepTheCatalog',
        Effect: 'Allow',
        Action: [
          'glue:Get*',
          'glue:BatchGet*',
          'glue:Create*',
          'glue:Update*',
          'glue:BatchCreatePartition',
          'glue:BatchDeletePartition',
          'glue:DeletePartition',
        ],
        Resource: [
          glueArn(scope, 'catalog'),
          ...databases.map((db) => glueArn(scope, `database/${db}`)),
          ...databases.map((db) => glueArn(scope, `table/${db}/*`)),
        ],
      },
    ],
  };
}

/** The administrator persona's user: the one principal the audit bucket lets delete a log file's version. */
export const ADMIN_USER = 'admin';

export const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** One persona: an IAM user in a group of its job, with the group's one policy and an aws cli profile. */
export interface Persona {
  readonly title: string;
  readonly user: string;
  readonly group: string;
  readonly profile: string;
  /** A customer managed policy made from `document`, or an AWS managed policy by ARN. */
  readonly policy:
    | { readonly name: string; readonly description: string; document(scope: PolicyScope): PolicyDocument }
    | { readonly arn: string };
  readonly job: string;
  /** One aws cli command that does the persona's job, given the profile and endpoint arguments. */
  example(awsArgs: string): string;
}

export const PERSONAS: readonly Persona[] = [
  {
    title: 'analyst',
    user: 'analyst',
    group: 'analysts',
    profile: 'seawall-analyst',
    policy: {
      name: 'SeawallAnalyst',
      description: 'Reads the curated zone and catalog and queries it with Athena; never the raw zone',
      document: analystPolicy,
    },
    job: 'curated tables, Athena in primary',
    example: (aws) =>
      `${aws} athena start-query-execution --query-string "SELECT status, count(*) FROM ${CURATED_DATABASE}.parking_tickets GROUP BY status"`,
  },
  {
    title: 'data steward',
    user: 'steward',
    group: 'data-stewards',
    profile: 'seawall-steward',
    policy: {
      name: 'SeawallDataSteward',
      description: 'Raw and curated zones, both catalog databases, crawlers and DataBrew; no IAM',
      document: dataStewardPolicy,
    },
    job: 'raw and curated zones, catalog, crawlers, DataBrew',
    example: (aws) => `${aws} s3 ls s3://${RAW_BUCKET}/ --recursive`,
  },
  {
    title: 'administrator',
    user: ADMIN_USER,
    group: 'administrators',
    profile: 'seawall-admin',
    policy: { arn: ADMINISTRATOR_ACCESS },
    job: 'AdministratorAccess',
    example: (aws) => `${aws} iam list-users`,
  },
];
