// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are literal ${...} text.
import { describe, expect, it } from 'vitest';
import type { ContextValue, PolicyVersion } from './index.js';
import { evaluate, parsePolicy } from './index.js';

const AWS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide';
const OPS = `${AWS}/reference_policies_elements_condition_operators.html`;
const STRING = `${OPS}#Conditions_String`;
const NUMERIC = `${OPS}#Conditions_Numeric`;
const DATE = `${OPS}#Conditions_Date`;
const BOOL = `${OPS}#Conditions_Boolean`;
const BINARY = `${OPS}#Conditions_BinaryEquals`;
const IP = `${OPS}#Conditions_IPAddress`;
const ARN = `${OPS}#Conditions_ARN`;
const IFEXISTS = `${OPS}#Conditions_IfExists`;
const NULL = `${OPS}#Conditions_Null`;
const MULTI = `${AWS}/reference_policies_condition-single-vs-multi-valued-context-keys.html`;
const CONDITION = `${AWS}/reference_policies_elements_condition.html`;
const VARS = `${AWS}/reference_policies_variables.html`;

interface ConditionCase {
  readonly doc: string;
  readonly name: string;
  readonly condition: Record<string, unknown>;
  readonly context: Record<string, ContextValue>;
  readonly holds: boolean;
  readonly version?: PolicyVersion;
}

const c = (
  doc: string,
  name: string,
  condition: Record<string, unknown>,
  context: Record<string, ContextValue>,
  holds: boolean,
  version?: PolicyVersion,
): ConditionCase => ({ doc, name, condition, context, holds, ...(version ? { version } : {}) });

const ipv6 = '2001:DB8:1234:5678::/64';
const topic = 'arn:aws:sns:us-east-1:123456789012:topic';
const b64 = 'QmluYXJ5VmFsdWVJbkJhc2U2NA==';

const stringCases: ConditionCase[] = [
  c(
    STRING,
    'StringEquals matches exactly',
    { StringEquals: { 's3:prefix': 'home/' } },
    { 's3:prefix': 'home/' },
    true,
  ),
  c(
    STRING,
    'StringEquals is case-sensitive',
    { StringEquals: { 's3:prefix': 'home/' } },
    { 's3:prefix': 'Home/' },
    false,
  ),
  c(STRING, 'StringEquals fails on a missing key', { StringEquals: { 's3:prefix': 'home/' } }, {}, false),
  c(
    STRING,
    'StringEquals ORs its values',
    { StringEquals: { 's3:prefix': ['a', 'b'] } },
    { 's3:prefix': 'b' },
    true,
  ),
  c(
    CONDITION,
    'condition key names are case-insensitive',
    { StringEquals: { 'S3:Prefix': 'a' } },
    { 's3:PREFIX': 'a' },
    true,
  ),
  c(
    STRING,
    'StringEquals treats * literally',
    { StringEquals: { 's3:prefix': 'a*' } },
    { 's3:prefix': 'abc' },
    false,
  ),
  c(
    STRING,
    'StringNotEquals holds for another value',
    { StringNotEquals: { 's3:prefix': 'x' } },
    { 's3:prefix': 'y' },
    true,
  ),
  c(
    STRING,
    'StringNotEquals fails for the value',
    { StringNotEquals: { 's3:prefix': 'x' } },
    { 's3:prefix': 'x' },
    false,
  ),
  c(OPS, 'StringNotEquals holds on a missing key', { StringNotEquals: { 's3:prefix': 'x' } }, {}, true),
  c(
    CONDITION,
    'StringNotEquals is a NOR of its values',
    { StringNotEquals: { 's3:prefix': ['a', 'b'] } },
    { 's3:prefix': 'a' },
    false,
  ),
  c(
    CONDITION,
    'StringNotEquals holds when no value matches',
    { StringNotEquals: { 's3:prefix': ['a', 'b'] } },
    { 's3:prefix': 'c' },
    true,
  ),
  c(
    STRING,
    'StringEqualsIgnoreCase ignores case',
    { StringEqualsIgnoreCase: { 'aws:username': 'JohnDoe' } },
    { 'aws:username': 'johndoe' },
    true,
  ),
  c(
    STRING,
    'StringEqualsIgnoreCase still compares',
    { StringEqualsIgnoreCase: { 's3:prefix': 'a' } },
    { 's3:prefix': 'b' },
    false,
  ),
  c(
    STRING,
    'StringEqualsIgnoreCase fails on a missing key',
    { StringEqualsIgnoreCase: { 's3:prefix': 'a' } },
    {},
    false,
  ),
  c(
    STRING,
    'StringNotEqualsIgnoreCase fails for the value in any case',
    { StringNotEqualsIgnoreCase: { 's3:prefix': 'HOME' } },
    { 's3:prefix': 'home' },
    false,
  ),
  c(
    STRING,
    'StringNotEqualsIgnoreCase holds for another value',
    { StringNotEqualsIgnoreCase: { 's3:prefix': 'x' } },
    { 's3:prefix': 'y' },
    true,
  ),
  c(
    OPS,
    'StringNotEqualsIgnoreCase holds on a missing key',
    { StringNotEqualsIgnoreCase: { 's3:prefix': 'x' } },
    {},
    true,
  ),
  c(
    STRING,
    'StringLike with * spans characters',
    { StringLike: { 's3:prefix': 'home/*' } },
    { 's3:prefix': 'home/a/b' },
    true,
  ),
  c(
    STRING,
    'StringLike with ? takes one character',
    { StringLike: { 's3:prefix': 'ab?' } },
    { 's3:prefix': 'abc' },
    true,
  ),
  c(
    STRING,
    'StringLike ? takes exactly one',
    { StringLike: { 's3:prefix': 'ab?' } },
    { 's3:prefix': 'abcd' },
    false,
  ),
  c(
    STRING,
    'StringLike is case-sensitive',
    { StringLike: { 's3:prefix': 'Home/*' } },
    { 's3:prefix': 'home/x' },
    false,
  ),
  c(
    STRING,
    'StringLike needs wildcards for partial matches',
    { StringLike: { 's3:prefix': 'home' } },
    { 's3:prefix': 'home/x' },
    false,
  ),
  c(
    STRING,
    'StringLike ORs its patterns',
    { StringLike: { 's3:prefix': ['', 'home/', 'home/alice/'] } },
    { 's3:prefix': '' },
    true,
  ),
  c(STRING, 'StringLike fails on a missing key', { StringLike: { 's3:prefix': '*' } }, {}, false),
  c(
    STRING,
    'StringNotLike holds for a non-matching value',
    { StringNotLike: { 's3:prefix': 'home/*' } },
    { 's3:prefix': 'other' },
    true,
  ),
  c(
    STRING,
    'StringNotLike fails for a matching value',
    { StringNotLike: { 's3:prefix': 'home/*' } },
    { 's3:prefix': 'home/x' },
    false,
  ),
  c(OPS, 'StringNotLike holds on a missing key', { StringNotLike: { 's3:prefix': 'home/*' } }, {}, true),
];

const ifExistsCases: ConditionCase[] = [
  c(
    IFEXISTS,
    'StringEqualsIfExists holds on a missing key',
    { StringEqualsIfExists: { 'ec2:InstanceType': 't2.micro' } },
    {},
    true,
  ),
  c(
    IFEXISTS,
    'StringEqualsIfExists compares a present key',
    { StringEqualsIfExists: { 'ec2:InstanceType': 't2.micro' } },
    { 'ec2:InstanceType': 'm5.large' },
    false,
  ),
  c(
    IFEXISTS,
    'StringLikeIfExists matches a present key',
    { StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*'] } },
    { 'ec2:InstanceType': 't2.nano' },
    true,
  ),
  c(
    IFEXISTS,
    'StringNotEqualsIfExists holds on a missing key',
    { StringNotEqualsIfExists: { 'aws:RequestTag/env': 'prod' } },
    {},
    true,
  ),
  c(
    IFEXISTS,
    'StringNotEqualsIfExists compares a present key',
    { StringNotEqualsIfExists: { 'aws:RequestTag/env': 'prod' } },
    { 'aws:RequestTag/env': 'prod' },
    false,
  ),
  c(
    IFEXISTS,
    'NumericLessThanIfExists holds on a missing key',
    { NumericLessThanIfExists: { 's3:max-keys': '10' } },
    {},
    true,
  ),
  c(
    IFEXISTS,
    'DateLessThanIfExists holds on a missing key',
    { DateLessThanIfExists: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
    {},
    true,
  ),
  c(
    IFEXISTS,
    'BoolIfExists holds on a missing key',
    { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } },
    {},
    true,
  ),
  c(
    IFEXISTS,
    'BoolIfExists compares a present key',
    { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } },
    { 'aws:MultiFactorAuthPresent': 'false' },
    false,
  ),
  c(
    IFEXISTS,
    'BinaryEqualsIfExists holds on a missing key',
    { BinaryEqualsIfExists: { 'x:bin': b64 } },
    {},
    true,
  ),
  c(
    IFEXISTS,
    'IpAddressIfExists holds on a missing key',
    { IpAddressIfExists: { 'aws:SourceIp': '203.0.113.0/24' } },
    {},
    true,
  ),
  c(
    IFEXISTS,
    'NotIpAddressIfExists holds on a missing key',
    { NotIpAddressIfExists: { 'aws:SourceIp': '203.0.113.0/24' } },
    {},
    true,
  ),
  c(
    IFEXISTS,
    'ArnLikeIfExists holds on a missing key',
    { ArnLikeIfExists: { 'aws:SourceArn': topic } },
    {},
    true,
  ),
  c(
    IFEXISTS,
    'ArnNotEqualsIfExists compares a present key',
    { ArnNotEqualsIfExists: { 'aws:SourceArn': topic } },
    { 'aws:SourceArn': topic },
    false,
  ),
  c(
    IFEXISTS,
    'NumericEqualsIfExists compares a present key',
    { NumericEqualsIfExists: { 's3:max-keys': '10' } },
    { 's3:max-keys': '10' },
    true,
  ),
];

const numericCases: ConditionCase[] = [
  c(
    NUMERIC,
    'NumericEquals matches',
    { NumericEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': '10' },
    true,
  ),
  c(
    NUMERIC,
    'NumericEquals compares numbers, not text',
    { NumericEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': '10.0' },
    true,
  ),
  c(
    NUMERIC,
    'NumericEquals takes a JSON number',
    { NumericEquals: { 's3:max-keys': 10 } },
    { 's3:max-keys': '10' },
    true,
  ),
  c(
    NUMERIC,
    'NumericEquals fails for another number',
    { NumericEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': '11' },
    false,
  ),
  c(NUMERIC, 'NumericEquals fails on a missing key', { NumericEquals: { 's3:max-keys': '10' } }, {}, false),
  c(
    NUMERIC,
    'NumericEquals fails for a request value that is not a number',
    { NumericEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': 'ten' },
    false,
  ),
  c(
    NUMERIC,
    'NumericNotEquals holds for another number',
    { NumericNotEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': '11' },
    true,
  ),
  c(
    NUMERIC,
    'NumericNotEquals fails for the number',
    { NumericNotEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': '10' },
    false,
  ),
  c(OPS, 'NumericNotEquals holds on a missing key', { NumericNotEquals: { 's3:max-keys': '10' } }, {}, true),
  c(
    NUMERIC,
    'NumericLessThan below',
    { NumericLessThan: { 's3:max-keys': '10' } },
    { 's3:max-keys': '9' },
    true,
  ),
  c(
    NUMERIC,
    'NumericLessThan at the bound',
    { NumericLessThan: { 's3:max-keys': '10' } },
    { 's3:max-keys': '10' },
    false,
  ),
  c(NUMERIC, 'NumericLessThan with decimals', { NumericLessThan: { 'x:n': '1.5' } }, { 'x:n': '1.25' }, true),
  c(
    NUMERIC,
    'NumericLessThanEquals at the bound',
    { NumericLessThanEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': '10' },
    true,
  ),
  c(
    NUMERIC,
    'NumericLessThanEquals above',
    { NumericLessThanEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': '11' },
    false,
  ),
  c(
    NUMERIC,
    'NumericGreaterThan above',
    { NumericGreaterThan: { 's3:max-keys': '10' } },
    { 's3:max-keys': '11' },
    true,
  ),
  c(
    NUMERIC,
    'NumericGreaterThan at the bound',
    { NumericGreaterThan: { 's3:max-keys': '10' } },
    { 's3:max-keys': '10' },
    false,
  ),
  c(
    NUMERIC,
    'NumericGreaterThanEquals at the bound',
    { NumericGreaterThanEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': '10' },
    true,
  ),
  c(
    NUMERIC,
    'NumericGreaterThanEquals below',
    { NumericGreaterThanEquals: { 's3:max-keys': '10' } },
    { 's3:max-keys': '9' },
    false,
  ),
  c(
    NUMERIC,
    'NumericLessThan with negative numbers',
    { NumericLessThan: { 'x:n': '0' } },
    { 'x:n': '-1' },
    true,
  ),
];

const dateCases: ConditionCase[] = [
  c(
    DATE,
    'DateEquals matches the same instant',
    { DateEquals: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
    true,
  ),
  c(
    DATE,
    'DateEquals compares epoch seconds with ISO 8601',
    { DateEquals: { 'aws:EpochTime': '1577836800' } },
    { 'aws:EpochTime': '2020-01-01T00:00:00Z' },
    true,
  ),
  c(
    DATE,
    'DateEquals honours time zone offsets',
    { DateEquals: { 'aws:CurrentTime': '2020-01-01T01:00:00+01:00' } },
    { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
    true,
  ),
  c(
    DATE,
    'DateEquals fails for another instant',
    { DateEquals: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': '2020-01-01T00:00:01Z' },
    false,
  ),
  c(
    DATE,
    'DateNotEquals holds for another instant',
    { DateNotEquals: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': '2021-01-01T00:00:00Z' },
    true,
  ),
  c(
    DATE,
    'DateNotEquals fails for the instant',
    { DateNotEquals: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
    false,
  ),
  c(
    OPS,
    'DateNotEquals holds on a missing key',
    { DateNotEquals: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
    {},
    true,
  ),
  c(
    DATE,
    'DateLessThan before',
    { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': '2019-12-31T23:59:59Z' },
    true,
  ),
  c(
    DATE,
    'DateLessThan at the instant',
    { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
    false,
  ),
  c(
    DATE,
    'DateLessThanEquals at the instant',
    { DateLessThanEquals: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
    true,
  ),
  c(
    DATE,
    'DateLessThanEquals after',
    { DateLessThanEquals: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': '2020-01-01T00:00:01Z' },
    false,
  ),
  c(
    DATE,
    'DateGreaterThan after',
    { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } },
    { 'aws:TokenIssueTime': '2020-06-01T00:00:00Z' },
    true,
  ),
  c(
    DATE,
    'DateGreaterThan before',
    { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } },
    { 'aws:TokenIssueTime': '2019-06-01T00:00:00Z' },
    false,
  ),
  c(
    DATE,
    'DateGreaterThan fails on a missing key',
    { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } },
    {},
    false,
  ),
  c(
    DATE,
    'DateGreaterThanEquals at the instant',
    { DateGreaterThanEquals: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': '2020-01-01T00:00:00.000Z' },
    true,
  ),
  c(
    DATE,
    'DateGreaterThanEquals with a date-only value',
    { DateGreaterThanEquals: { 'aws:CurrentTime': '2020-01-01' } },
    { 'aws:CurrentTime': '2020-01-01T12:00:00Z' },
    true,
  ),
  c(
    DATE,
    'DateLessThan with fractional seconds',
    { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00.500Z' } },
    { 'aws:CurrentTime': '2020-01-01T00:00:00.250Z' },
    true,
  ),
  c(
    DATE,
    'DateGreaterThan with a JSON number of epoch seconds',
    { DateGreaterThan: { 'aws:EpochTime': 1577836800 } },
    { 'aws:EpochTime': '1577836801' },
    true,
  ),
  c(
    DATE,
    'Date operators fail for a request value that is not a date',
    { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': 'yesterday' },
    false,
  ),
];

const boolBinaryCases: ConditionCase[] = [
  c(
    BOOL,
    'Bool true matches true',
    { Bool: { 'aws:SecureTransport': 'true' } },
    { 'aws:SecureTransport': 'true' },
    true,
  ),
  c(
    BOOL,
    'Bool true fails for false',
    { Bool: { 'aws:SecureTransport': 'true' } },
    { 'aws:SecureTransport': 'false' },
    false,
  ),
  c(
    BOOL,
    'Bool takes a JSON boolean',
    { Bool: { 'aws:SecureTransport': false } },
    { 'aws:SecureTransport': 'false' },
    true,
  ),
  c(
    BOOL,
    'Bool ignores the case of true/false',
    { Bool: { 'aws:SecureTransport': 'TRUE' } },
    { 'aws:SecureTransport': 'true' },
    true,
  ),
  c(BOOL, 'Bool fails on a missing key', { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }, {}, false),
  c(
    BINARY,
    'BinaryEquals matches the same bytes',
    { BinaryEquals: { 'x:bin': b64 } },
    { 'x:bin': b64 },
    true,
  ),
  c(
    BINARY,
    'BinaryEquals fails for other bytes',
    { BinaryEquals: { 'x:bin': b64 } },
    { 'x:bin': 'b3RoZXI=' },
    false,
  ),
  c(BINARY, 'BinaryEquals fails on a missing key', { BinaryEquals: { 'x:bin': b64 } }, {}, false),
];

const ipCases: ConditionCase[] = [
  c(
    IP,
    'IpAddress inside an IPv4 range',
    { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
    { 'aws:SourceIp': '203.0.113.7' },
    true,
  ),
  c(
    IP,
    'IpAddress outside an IPv4 range',
    { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
    { 'aws:SourceIp': '203.0.114.1' },
    false,
  ),
  c(
    IP,
    'IpAddress without a prefix is /32',
    { IpAddress: { 'aws:SourceIp': '203.0.113.7' } },
    { 'aws:SourceIp': '203.0.113.7' },
    true,
  ),
  c(
    IP,
    'IpAddress /32 excludes neighbours',
    { IpAddress: { 'aws:SourceIp': '203.0.113.7' } },
    { 'aws:SourceIp': '203.0.113.8' },
    false,
  ),
  c(
    IP,
    'IpAddress inside an IPv6 range',
    { IpAddress: { 'aws:SourceIp': ipv6 } },
    { 'aws:SourceIp': '2001:db8:1234:5678::1' },
    true,
  ),
  c(
    IP,
    'IpAddress outside an IPv6 range',
    { IpAddress: { 'aws:SourceIp': ipv6 } },
    { 'aws:SourceIp': '2001:db8:1234:5679::1' },
    false,
  ),
  c(
    IP,
    'IpAddress mixing IPv4 and IPv6 ranges',
    { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', ipv6] } },
    { 'aws:SourceIp': '2001:db8:1234:5678:ffff::9' },
    true,
  ),
  c(
    IP,
    'IpAddress never matches across families',
    { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } },
    { 'aws:SourceIp': '::1' },
    false,
  ),
  c(
    IP,
    'IpAddress /0 matches every IPv4 address',
    { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } },
    { 'aws:SourceIp': '198.51.100.20' },
    true,
  ),
  c(IP, 'IpAddress fails on a missing key', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, {}, false),
  c(
    IP,
    'NotIpAddress holds outside the range',
    { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
    { 'aws:SourceIp': '198.51.100.1' },
    true,
  ),
  c(
    IP,
    'NotIpAddress fails inside the range',
    { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
    { 'aws:SourceIp': '203.0.113.200' },
    false,
  ),
  c(
    OPS,
    'NotIpAddress holds on a missing key',
    { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
    {},
    true,
  ),
];

const arnCases: ConditionCase[] = [
  c(
    ARN,
    'ArnEquals matches the ARN',
    { ArnEquals: { 'aws:SourceArn': topic } },
    { 'aws:SourceArn': topic },
    true,
  ),
  c(
    ARN,
    'ArnEquals fails for another ARN',
    { ArnEquals: { 'aws:SourceArn': topic } },
    { 'aws:SourceArn': `${topic}2` },
    false,
  ),
  c(
    ARN,
    'ArnLike matches wildcards per component',
    { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:*' } },
    { 'aws:SourceArn': 'arn:aws:sns:us-east-2:123456789012:t' },
    true,
  ),
  c(
    ARN,
    'ArnLike wildcards do not cross colons (docs example)',
    { ArnLike: { 'aws:SourceArn': 'arn:aws:someservice:*:111122223333:finance/*' } },
    {
      'aws:SourceArn':
        'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt',
    },
    false,
  ),
  c(
    ARN,
    'StringLike does cross colons (docs example)',
    { StringLike: { 'aws:SourceArn': 'arn:aws:someservice:*:111122223333:finance/*' } },
    {
      'aws:SourceArn':
        'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt',
    },
    true,
  ),
  c(
    ARN,
    'ArnEquals behaves like ArnLike',
    { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:*' } },
    { 'aws:SourceArn': topic },
    true,
  ),
  c(
    ARN,
    'ArnLike is case-sensitive',
    { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:Topic' } },
    { 'aws:SourceArn': topic },
    false,
  ),
  c(
    ARN,
    'ArnLike fails for a value that is not an ARN',
    { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:*' } },
    { 'aws:SourceArn': 'topic' },
    false,
  ),
  c(
    ARN,
    'ArnLike keeps colons in the resource part',
    { ArnLike: { 'aws:SourceArn': 'arn:aws:logs:*:*:log-group:app:*' } },
    { 'aws:SourceArn': 'arn:aws:logs:eu-west-1:123456789012:log-group:app:log-stream:x' },
    true,
  ),
  c(
    ARN,
    'ArnNotEquals holds for another ARN',
    { ArnNotEquals: { 'aws:SourceArn': topic } },
    { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:other' },
    true,
  ),
  c(
    ARN,
    'ArnNotEquals fails for the ARN',
    { ArnNotEquals: { 'aws:SourceArn': topic } },
    { 'aws:SourceArn': topic },
    false,
  ),
  c(OPS, 'ArnNotEquals holds on a missing key', { ArnNotEquals: { 'aws:SourceArn': topic } }, {}, true),
  c(
    ARN,
    'ArnNotLike fails for a matching ARN',
    { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin-*' } },
    { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/admin-ops' },
    false,
  ),
  c(
    ARN,
    'ArnNotLike holds for a non-matching ARN',
    { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin-*' } },
    { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/dev' },
    true,
  ),
  c(ARN, 'ArnLike fails on a missing key', { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:*' } }, {}, false),
];

const nullCases: ConditionCase[] = [
  c(NULL, 'Null true holds when the key is absent', { Null: { 'aws:TokenIssueTime': 'true' } }, {}, true),
  c(
    NULL,
    'Null true fails when the key is present',
    { Null: { 'aws:TokenIssueTime': 'true' } },
    { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' },
    false,
  ),
  c(
    NULL,
    'Null false holds when the key is present',
    { Null: { 'aws:TokenIssueTime': 'false' } },
    { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' },
    true,
  ),
  c(NULL, 'Null false fails when the key is absent', { Null: { 'aws:TokenIssueTime': 'false' } }, {}, false),
  c(NULL, 'Null takes a JSON boolean', { Null: { 'aws:RequestTag/env': true } }, {}, true),
];

const setCases: ConditionCase[] = [
  c(
    MULTI,
    'ForAllValues holds when every request value is listed',
    { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } },
    { 'aws:TagKeys': ['a'] },
    true,
  ),
  c(
    MULTI,
    'ForAllValues fails when one request value is not listed',
    { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } },
    { 'aws:TagKeys': ['a', 'c'] },
    false,
  ),
  c(
    MULTI,
    'ForAllValues holds when the key is missing',
    { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } },
    {},
    true,
  ),
  c(
    MULTI,
    'ForAllValues holds for an empty set',
    { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } },
    { 'aws:TagKeys': [] },
    true,
  ),
  c(
    MULTI,
    'ForAllValues:StringLike with patterns',
    { 'ForAllValues:StringLike': { 'aws:TagKeys': ['team-*'] } },
    { 'aws:TagKeys': ['team-a', 'team-b'] },
    true,
  ),
  c(
    MULTI,
    'ForAllValues:StringEqualsIgnoreCase',
    { 'ForAllValues:StringEqualsIgnoreCase': { 'aws:TagKeys': ['Env'] } },
    { 'aws:TagKeys': ['env', 'ENV'] },
    true,
  ),
  c(
    MULTI,
    'ForAllValues:StringNotEquals holds when no request value is listed',
    { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } },
    { 'aws:TagKeys': ['c', 'd'] },
    true,
  ),
  c(
    MULTI,
    'ForAllValues:StringNotEquals fails when one request value is listed',
    { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } },
    { 'aws:TagKeys': ['c', 'a'] },
    false,
  ),
  c(
    MULTI,
    'ForAnyValue holds when one request value is listed',
    { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a', 'b'] } },
    { 'aws:TagKeys': ['c', 'b'] },
    true,
  ),
  c(
    MULTI,
    'ForAnyValue fails when none is listed',
    { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a', 'b'] } },
    { 'aws:TagKeys': ['c'] },
    false,
  ),
  c(
    MULTI,
    'ForAnyValue fails when the key is missing',
    { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } },
    {},
    false,
  ),
  c(
    MULTI,
    'ForAnyValue fails for an empty set',
    { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } },
    { 'aws:TagKeys': [] },
    false,
  ),
  c(
    MULTI,
    'ForAnyValue:StringNotEquals holds when some request value is not listed',
    { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a'] } },
    { 'aws:TagKeys': ['a', 'b'] },
    true,
  ),
  c(
    MULTI,
    'ForAnyValue:StringNotEquals fails when every request value is listed',
    { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a'] } },
    { 'aws:TagKeys': ['a'] },
    false,
  ),
  c(
    MULTI,
    'ForAnyValue:StringLike matches patterns',
    { 'ForAnyValue:StringLike': { 'dynamodb:requestedAttributes': ['ID', 'Post*'] } },
    { 'dynamodb:requestedAttributes': ['UserName', 'PostDateTime'] },
    true,
  ),
  c(
    MULTI,
    'ForAllValues:NumericLessThan over numbers',
    { 'ForAllValues:NumericLessThan': { 'x:sizes': '10' } },
    { 'x:sizes': ['1', '9'] },
    true,
  ),
  c(
    MULTI,
    'ForAnyValue:IpAddress over addresses',
    { 'ForAnyValue:IpAddress': { 'x:ips': '10.0.0.0/8' } },
    { 'x:ips': ['192.0.2.1', '10.1.2.3'] },
    true,
  ),
  c(
    IFEXISTS,
    'ForAnyValue:StringEqualsIfExists holds on a missing key',
    { 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': ['a'] } },
    {},
    true,
  ),
  c(
    MULTI,
    'A plain operator on a multivalued key matches any value',
    { StringEquals: { 'aws:TagKeys': 'a' } },
    { 'aws:TagKeys': ['b', 'a'] },
    true,
  ),
  c(
    MULTI,
    'A plain negated operator on a multivalued key fails if any value matches',
    { StringNotEquals: { 'aws:TagKeys': 'a' } },
    { 'aws:TagKeys': ['b', 'a'] },
    false,
  ),
];

const combinationCases: ConditionCase[] = [
  c(
    CONDITION,
    'keys in one operator block are ANDed (both hold)',
    { StringEquals: { 'x:a': '1', 'x:b': '2' } },
    { 'x:a': '1', 'x:b': '2' },
    true,
  ),
  c(
    CONDITION,
    'keys in one operator block are ANDed (one fails)',
    { StringEquals: { 'x:a': '1', 'x:b': '2' } },
    { 'x:a': '1', 'x:b': '3' },
    false,
  ),
  c(
    CONDITION,
    'operator blocks are ANDed (both hold)',
    { StringEquals: { 'x:a': '1' }, NumericLessThan: { 'x:n': '5' } },
    { 'x:a': '1', 'x:n': '4' },
    true,
  ),
  c(
    CONDITION,
    'operator blocks are ANDed (one fails)',
    { StringEquals: { 'x:a': '1' }, NumericLessThan: { 'x:n': '5' } },
    { 'x:a': '1', 'x:n': '6' },
    false,
  ),
  c(
    CONDITION,
    'two date bounds make a window',
    {
      DateGreaterThan: { 'aws:CurrentTime': '2020-04-01T00:00:00Z' },
      DateLessThan: { 'aws:CurrentTime': '2020-06-30T23:59:59Z' },
    },
    { 'aws:CurrentTime': '2020-05-05T00:00:00Z' },
    true,
  ),
  c(CONDITION, 'an empty Condition block always holds', {}, {}, true),
];

const variableCases: ConditionCase[] = [
  c(
    VARS,
    'StringLike with ${aws:username}',
    { StringLike: { 's3:prefix': 'home/${aws:username}/*' } },
    { 's3:prefix': 'home/alice/x' },
    true,
  ),
  c(
    VARS,
    'StringLike with ${aws:username} for another user',
    { StringLike: { 's3:prefix': 'home/${aws:username}/*' } },
    { 's3:prefix': 'home/bob/x' },
    false,
  ),
  c(
    VARS,
    'StringEquals with a principal tag variable',
    { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
    { 'aws:ResourceTag/team': 'blue', 'aws:PrincipalTag/team': 'blue' },
    true,
  ),
  c(
    VARS,
    'a missing variable makes that value not match',
    { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
    { 'aws:ResourceTag/team': '' },
    false,
  ),
  c(
    VARS,
    'a missing variable in a negated operator leaves it true',
    { StringNotEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
    { 'aws:ResourceTag/team': 'blue' },
    true,
  ),
  c(
    VARS,
    'a default value stands in for a missing key',
    { StringEquals: { 'x:who': "${aws:PrincipalTag/team, 'none'}" } },
    { 'x:who': 'none' },
    true,
  ),
  c(VARS, '${*} is a literal asterisk', { StringLike: { 'x:v': 'a${*}' } }, { 'x:v': 'a*' }, true),
  c(VARS, '${*} does not act as a wildcard', { StringLike: { 'x:v': 'a${*}' } }, { 'x:v': 'ab' }, false),
  c(VARS, '${?} is a literal question mark', { StringLike: { 'x:v': 'why${?}' } }, { 'x:v': 'why?' }, true),
  c(VARS, '${$} is a literal dollar', { StringEquals: { 'x:v': '${$}{x}' } }, { 'x:v': '${x}' }, true),
  c(
    VARS,
    'substituted text is literal even in StringLike',
    { StringLike: { 'x:v': 'home/${x:name}' } },
    { 'x:v': 'home/abc', 'x:name': 'a*' },
    false,
  ),
  c(
    VARS,
    'variables work in ARN conditions',
    { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:${aws:username}-*' } },
    { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:alice-topic' },
    true,
  ),
  c(
    VARS,
    'variables are literal text in Version 2008-10-17',
    { StringEquals: { 'x:v': '${aws:username}' } },
    { 'x:v': '${aws:username}' },
    true,
    '2008-10-17',
  ),
  c(
    VARS,
    'variables are not substituted in Version 2008-10-17',
    { StringEquals: { 'x:v': '${aws:username}' } },
    { 'x:v': 'alice' },
    false,
    '2008-10-17',
  ),
  c(
    VARS,
    'variable key names are case-insensitive',
    { StringEquals: { 'x:v': '${AWS:UserName}' } },
    { 'x:v': 'alice' },
    true,
  ),
];

const allCases = [
  ...stringCases,
  ...ifExistsCases,
  ...numericCases,
  ...dateCases,
  ...boolBinaryCases,
  ...ipCases,
  ...arnCases,
  ...nullCases,
  ...setCases,
  ...combinationCases,
  ...variableCases,
];

const alice = {
  arn: 'arn:aws:iam::111122223333:user/alice',
  accountId: '111122223333',
  type: 'IAMUser' as const,
};

describe('condition operators', () => {
  it.each(allCases)('$name', ({ condition, context, holds, version }) => {
    const document = {
      Version: version ?? '2012-10-17',
      Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: condition },
    };
    const policy = parsePolicy(JSON.stringify(document), 'identity');
    const request = { principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context };
    expect(evaluate(request, { identity: [policy] }).effect).toBe(holds ? 'Allow' : 'Deny');
  });

  it('names a documentation page for every case', () => {
    expect(allCases.length).toBeGreaterThanOrEqual(150);
    for (const entry of allCases) expect(entry.doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});
