/**
 * The AWS managed policies every account has, with AWS's documents. AmazonAthenaFullAccess and
 * AWSGlueConsoleFullAccess keep their statements for services Seawall does not serve (EC2, SNS…): they
 * grant nothing here, and the policies read as they do in AWS. ReadOnlyAccess's real document lists
 * hundreds of services; this is a faithful subset, the read-only actions AWS lists for the services Seawall
 * serves (S3, Glue, Athena, DataBrew, IAM, STS, KMS, CloudWatch, CloudWatch Logs, CloudTrail).
 */
export interface AwsManagedPolicy {
  readonly name: string;
  readonly arn: string;
  readonly id: string;
  readonly path: string;
  readonly description: string;
  readonly versionId: string;
  readonly document: string;
  readonly created: Date;
  readonly updated: Date;
}

type Doc = { Version: '2012-10-17'; Statement: Record<string, unknown>[] };

const ADMINISTRATOR: Doc = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

const S3_READ_ONLY: Doc = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'],
      Resource: '*',
    },
  ],
};

const S3_FULL: Doc = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }],
};

const READ_ONLY: Doc = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReadOnlyActionsForSeawallServices',
      Effect: 'Allow',
      Action: [
        'athena:Batch*',
        'athena:Get*',
        'athena:List*',
        'cloudtrail:Describe*',
        'cloudtrail:Get*',
        'cloudtrail:List*',
        'cloudtrail:LookupEvents',
        'cloudwatch:Describe*',
        'cloudwatch:Get*',
        'cloudwatch:List*',
        'databrew:Describe*',
        'databrew:List*',
        'glue:BatchGet*',
        'glue:Get*',
        'glue:List*',
        'glue:Search*',
        'iam:Generate*',
        'iam:Get*',
        'iam:List*',
        'iam:Simulate*',
        'kms:Describe*',
        'kms:Get*',
        'kms:List*',
        'logs:Describe*',
        'logs:FilterLogEvents',
        'logs:Get*',
        'logs:ListTagsForResource',
        'logs:ListTagsLogGroup',
        'logs:StartQuery',
        'logs:StopQuery',
        'logs:TestMetricFilter',
        's3:Describe*',
        's3:Get*',
        's3:List*',
        'sts:GetCallerIdentity',
      ],
      Resource: '*',
    },
  ],
};

const ATHENA_FULL: Doc = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'BaseAthenaPermissions', Effect: 'Allow', Action: ['athena:*'], Resource: ['*'] },
    {
      Sid: 'BaseGluePermissions',
      Effect: 'Allow',
      Action: [
        'glue:CreateDatabase',
        'glue:DeleteDatabase',
        'glue:GetCatalog',
        'glue:GetCatalogs',
        'glue:GetDatabase',
        'glue:GetDatabases',
        'glue:UpdateDatabase',
        'glue:CreateTable',
        'glue:DeleteTable',
        'glue:BatchDeleteTable',
        'glue:UpdateTable',
        'glue:GetTable',
        'glue:GetTables',
        'glue:BatchCreatePartition',
        'glue:CreatePartition',
        'glue:DeletePartition',
        'glue:BatchDeletePartition',
        'glue:UpdatePartition',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchGetPartition',
        'glue:StartColumnStatisticsTaskRun',
        'glue:GetColumnStatisticsTaskRun',
        'glue:GetColumnStatisticsTaskRuns',
        'glue:GetCatalogImportStatus',
      ],
      Resource: ['*'],
    },
    {
      Sid: 'BaseQueryResultsPermissions',
      Effect: 'Allow',
      Action: [
        's3:GetBucketLocation',
        's3:GetObject',
        's3:ListBucket',
        's3:ListBucketMultipartUploads',
        's3:ListMultipartUploadParts',
        's3:AbortMultipartUpload',
        's3:CreateBucket',
        's3:PutObject',
        's3:PutBucketPublicAccessBlock',
      ],
      Resource: ['arn:aws:s3:::aws-athena-query-results-*'],
    },
    {
      Sid: 'BaseAthenaExamplesPermissions',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::athena-examples*'],
    },
    {
      Sid: 'BaseS3BucketPermissions',
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListAllMyBuckets'],
      Resource: ['*'],
    },
    {
      Sid: 'BaseSNSPermissions',
      Effect: 'Allow',
      Action: ['sns:ListTopics', 'sns:GetTopicAttributes'],
      Resource: ['*'],
    },
    {
      Sid: 'BaseCloudWatchPermissions',
      Effect: 'Allow',
      Action: [
        'cloudwatch:PutMetricAlarm',
        'cloudwatch:DescribeAlarms',
        'cloudwatch:DeleteAlarms',
        'cloudwatch:GetMetricData',
      ],
      Resource: ['*'],
    },
    {
      Sid: 'BaseLakeFormationPermissions',
      Effect: 'Allow',
      Action: ['lakeformation:GetDataAccess'],
      Resource: ['*'],
    },
    {
      Sid: 'BaseDataZonePermissions',
      Effect: 'Allow',
      Action: ['datazone:ListDomains', 'datazone:ListProjects', 'datazone:ListAccountEnvironments'],
      Resource: ['*'],
    },
    { Sid: 'BasePricingPermissions', Effect: 'Allow', Action: ['pricing:GetProducts'], Resource: ['*'] },
  ],
};

const GLUE_CONSOLE_FULL: Doc = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'glue:*',
        'redshift:DescribeClusters',
        'redshift:DescribeClusterSubnetGroups',
        'iam:ListRoles',
        'iam:ListUsers',
        'iam:ListGroups',
        'iam:ListRolePolicies',
        'iam:GetRole',
        'iam:GetRolePolicy',
        'iam:ListAttachedRolePolicies',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
        'ec2:DescribeVpcEndpoints',
        'ec2:DescribeRouteTables',
        'ec2:DescribeVpcAttribute',
        'ec2:DescribeKeyPairs',
        'ec2:DescribeInstances',
        'ec2:DescribeImages',
        'rds:DescribeDBInstances',
        'rds:DescribeDBClusters',
        'rds:DescribeDBSubnetGroups',
        's3:ListAllMyBuckets',
        's3:ListBucket',
        's3:GetBucketAcl',
        's3:GetBucketLocation',
        'cloudformation:ListStacks',
        'cloudformation:DescribeStacks',
        'cloudformation:GetTemplateSummary',
        'dynamodb:ListTables',
        'kms:ListAliases',
        'kms:DescribeKey',
        'cloudwatch:GetMetricData',
        'cloudwatch:ListDashboards',
        'databrew:ListRecipes',
        'databrew:ListRecipeVersions',
        'databrew:DescribeRecipe',
      ],
      Resource: ['*'],
    },
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: ['arn:aws:s3:::aws-glue-*/*', 'arn:aws:s3:::*/*aws-glue-*/*', 'arn:aws:s3:::aws-glue-*'],
    },
    { Effect: 'Allow', Action: ['tag:GetResources'], Resource: ['*'] },
    { Effect: 'Allow', Action: ['s3:CreateBucket'], Resource: ['arn:aws:s3:::aws-glue-*'] },
    {
      Effect: 'Allow',
      Action: ['logs:GetLogEvents'],
      Resource: ['arn:aws:logs:*:*:/aws-glue/*'],
    },
    {
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: 'arn:aws:iam::*:role/AWSGlueServiceRole*',
      Condition: { StringLike: { 'iam:PassedToService': ['glue.amazonaws.com'] } },
    },
    {
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: 'arn:aws:iam::*:role/AWSGlueServiceNotebookRole*',
      Condition: { StringLike: { 'iam:PassedToService': ['ec2.amazonaws.com'] } },
    },
    {
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: ['arn:aws:iam::*:role/service-role/AWSGlueServiceRole*'],
      Condition: { StringLike: { 'iam:PassedToService': ['glue.amazonaws.com'] } },
    },
  ],
};

function managed(
  name: string,
  id: string,
  description: string,
  versionId: string,
  doc: Doc,
  created: string,
  updated: string,
): AwsManagedPolicy {
  return Object.freeze({
    name,
    arn: `arn:aws:iam::aws:policy/${name}`,
    id,
    path: '/',
    description,
    versionId,
    document: JSON.stringify(doc, null, 4),
    created: new Date(created),
    updated: new Date(updated),
  });
}

export const AWS_MANAGED_POLICIES: readonly AwsManagedPolicy[] = Object.freeze([
  managed(
    'AdministratorAccess',
    'ANPAIWMBCKSKIEE64ZLYK',
    'Provides full access to AWS services and resources.',
    'v1',
    ADMINISTRATOR,
    '2015-02-06T18:39:46Z',
    '2015-02-06T18:39:46Z',
  ),
  managed(
    'ReadOnlyAccess',
    'ANPAILL3HVNFSB6DCOWYQ',
    'Provides read-only access to AWS services and resources.',
    'v1',
    READ_ONLY,
    '2015-02-06T18:39:48Z',
    '2015-02-06T18:39:48Z',
  ),
  managed(
    'AmazonS3ReadOnlyAccess',
    'ANPAIZTJ4DXE7G6AGAE6M',
    'Provides read only access to all buckets via the AWS Management Console.',
    'v3',
    S3_READ_ONLY,
    '2015-02-06T18:40:59Z',
    '2023-08-10T21:31:39Z',
  ),
  managed(
    'AmazonS3FullAccess',
    'ANPAIFIR6V6BVTRAHWINE',
    'Provides full access to all buckets via the AWS Management Console.',
    'v2',
    S3_FULL,
    '2015-02-06T18:40:58Z',
    '2021-09-27T20:16:37Z',
  ),
  managed(
    'AmazonAthenaFullAccess',
    'ANPAIPJMLMD4C7RYZ6XCK',
    'Provide full access to Amazon Athena and scoped access to the dependencies needed to enable querying, writing results, and data management.',
    'v1',
    ATHENA_FULL,
    '2016-11-30T16:46:01Z',
    '2016-11-30T16:46:01Z',
  ),
  managed(
    'AWSGlueConsoleFullAccess',
    'ANPAJNZGDEOD7MISOVSVI',
    'Provides full access to AWS Glue via the AWS Management Console',
    'v1',
    GLUE_CONSOLE_FULL,
    '2017-08-14T13:37:39Z',
    '2017-08-14T13:37:39Z',
  ),
]);

const BY_ARN = new Map(AWS_MANAGED_POLICIES.map((p) => [p.arn, p]));

export function awsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  return BY_ARN.get(arn);
}
