/*
 * The catalog table AWS documents for querying CloudTrail logs with Athena ("Create a table for CloudTrail logs
 * in Athena using manual partitioning", the hcatalog JsonSerDe form), as the Glue TableInput its CREATE
 * EXTERNAL TABLE registers, without the partitions: a trail can register it over its own log files.
 */
import { CLOUDTRAIL_INPUT_FORMAT } from './cloudtrail-reader.js';
import type { TableInput } from './glue-shapes.js';

const SESSION_ISSUER = 'struct<type:string,principalid:string,arn:string,accountid:string,username:string>';
const WEB_ID_FEDERATION = 'struct<federatedprovider:string,attributes:map<string,string>>';
const SESSION_CONTEXT = `struct<attributes:struct<mfaauthenticated:string,creationdate:string>,sessionissuer:${SESSION_ISSUER},ec2roledelivery:string,webidfederationdata:${WEB_ID_FEDERATION}>`;

/** AWS's documented columns, in its order and with its (lower-case) names and types. */
const CLOUDTRAIL_COLUMNS: readonly [string, string][] = [
  ['eventversion', 'string'],
  [
    'useridentity',
    `struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,username:string,onbehalfof:struct<userid:string,identitystorearn:string>,sessioncontext:${SESSION_CONTEXT}>`,
  ],
  ['eventtime', 'string'],
  ['eventsource', 'string'],
  ['eventname', 'string'],
  ['awsregion', 'string'],
  ['sourceipaddress', 'string'],
  ['useragent', 'string'],
  ['errorcode', 'string'],
  ['errormessage', 'string'],
  ['requestparameters', 'string'],
  ['responseelements', 'string'],
  ['additionaleventdata', 'string'],
  ['requestid', 'string'],
  ['eventid', 'string'],
  ['resources', 'array<struct<arn:string,accountid:string,type:string>>'],
  ['eventtype', 'string'],
  ['apiversion', 'string'],
  ['readonly', 'string'],
  ['recipientaccountid', 'string'],
  ['serviceeventdetails', 'string'],
  ['sharedeventid', 'string'],
  ['vpcendpointid', 'string'],
  ['vpcendpointaccountid', 'string'],
  ['eventcategory', 'string'],
  ['addendum', 'struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>'],
  ['sessioncredentialfromconsole', 'string'],
  ['edgedevicedetails', 'string'],
  ['tlsdetails', 'struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>'],
];

/**
 * The TableInput of AWS's documented CloudTrail table (unpartitioned) named `name` over `location`
 * (`s3://bucket/AWSLogs/ACCOUNT/CloudTrail/`): what Athena registers for that CREATE EXTERNAL TABLE, so Glue's
 * CreateTable with it gives the same table.
 */
export function cloudTrailTableInput(
  name: string,
  location: string,
): Pick<TableInput, 'Name' | 'Owner' | 'TableType' | 'PartitionKeys' | 'Parameters' | 'StorageDescriptor'> {
  return {
    Name: name,
    Owner: 'hadoop',
    TableType: 'EXTERNAL_TABLE',
    PartitionKeys: [],
    Parameters: { EXTERNAL: 'TRUE', classification: 'cloudtrail' },
    StorageDescriptor: {
      Columns: CLOUDTRAIL_COLUMNS.map(([Name, Type]) => ({ Name, Type })),
      Location: location,
      InputFormat: CLOUDTRAIL_INPUT_FORMAT,
      OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      Compressed: false,
      NumberOfBuckets: -1,
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe',
        Parameters: { 'serialization.format': '1' },
      },
      BucketColumns: [],
      SortColumns: [],
      Parameters: {},
      StoredAsSubDirectories: false,
    },
  };
}
