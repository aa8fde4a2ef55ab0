import { type CatalogService, s3UrlArn } from '../catalog/index.js';
import { badRequest } from '../errors.js';
import {
  type JsonInput,
  jsonService,
  memberRefusal,
  jsonOperation as op,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredString,
  unexpectedMember,
} from '../lib/aws-json.js';

import type { ApiRequest } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import { decodeOffset, encodeOffset } from '../lib/page-token.js';
import { keyAccessOf } from '../storage/index.js';
import { createCatalogMetadataOperations } from './athena-catalog-api.js';
import { execution, runtimeStatistics } from './execution-shapes.js';
import type { AthenaService } from './query-types.js';
import { createSavedQueryOperations } from './saved-query-api.js';
import { createWorkgroupOperations, invalidToken, workgroupArn } from './workgroup-api.js';

const refuse = memberRefusal('InvalidRequestException');
const MAX_REUSE_MINUTES = 10_080;

/** Refuses any member of StartQueryExecution's `where` other than those Seawall honours. */
function onlyMembers(value: Record<string, unknown>, understood: readonly string[], where: string): void {
  const member = unexpectedMember(value, understood);
  if (member !== undefined) throw refuse(`The ${where}.${member.slice(0, 64)} member of StartQueryExecution`);
}

/** ResultReuseConfiguration: the max age (default 60 minutes, at most 10080) when reuse is enabled. */
function reuseOf(input: JsonInput<'ResultReuseConfiguration'>): number | undefined {
  const reuse = optionalObject(input, 'ResultReuseConfiguration', 'InvalidRequestException');
  if (!reuse) return undefined;
  onlyMembers(reuse, ['ResultReuseByAgeConfiguration'], 'ResultReuseConfiguration');
  const byAge = optionalObject(reuse, 'ResultReuseByAgeConfiguration', 'InvalidRequestException');
  if (!byAge) return undefined;
  onlyMembers(
    byAge,
    ['Enabled', 'MaxAgeInMinutes'],
    'ResultReuseConfiguration.ResultReuseByAgeConfiguration',
  );
  if (typeof byAge.Enabled !== 'boolean')
    throw badRequest(
      'InvalidRequestException',
      'ResultReuseByAgeConfiguration.Enabled is required and must be a boolean.',
    );
  const age = optionalNumber(byAge, 'MaxAgeInMinutes', 'InvalidRequestException') ?? 60;
  if (!Number.isInteger(age) || age < 0 || age > MAX_REUSE_MINUTES)
    throw badRequest(
      'InvalidRequestException',
      `1 validation error detected: Value '${age}' at 'resultReuseConfiguration.resultReuseByAgeConfiguration.maxAgeInMinutes' failed to satisfy constraint: Member must have value less than or equal to ${MAX_REUSE_MINUTES}`,
    );
  return byAge.Enabled ? age : undefined;
}

/** ExecutionParameters: 1 or more strings of 1 to 1024 characters, the values of the query's `?`s. */
function parametersOf(input: JsonInput<'ExecutionParameters'>): string[] | undefined {
  const value = input.ExecutionParameters;
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((p) => typeof p !== 'string' || p.length < 1 || p.length > 1024)
  )
    throw badRequest(
      'InvalidRequestException',
      'ExecutionParameters must be a list of at least one string of 1 to 1024 characters.',
    );
  return value as string[];
}

async function startQuery(athena: AthenaService, input: JsonInput<StartMember>, req: OperationRequest) {
  const context = optionalObject(input, 'QueryExecutionContext', 'InvalidRequestException') ?? {};
  const result = optionalObject(input, 'ResultConfiguration', 'InvalidRequestException') ?? {};
  onlyMembers(context, ['Database', 'Catalog'], 'QueryExecutionContext');
  // Encryption, ACLs and the expected bucket owner of the results are not implemented.
  onlyMembers(result, ['OutputLocation'], 'ResultConfiguration');
  const reuseMaxAgeMinutes = reuseOf(input);
  const executionParameters = parametersOf(input);
  const catalog = optionalString(context, 'Catalog', 'InvalidRequestException');
  if (catalog !== undefined && catalog.toLowerCase() !== 'awsdatacatalog')
    throw badRequest('InvalidRequestException', `Catalog ${catalog} is not found.`);
  const token = optionalString(input, 'ClientRequestToken', 'InvalidRequestException');
  if (token !== undefined && (token.length < 32 || token.length > 128))
    throw badRequest('InvalidRequestException', 'ClientRequestToken must be 32 to 128 characters long.');
  const database = optionalString(context, 'Database', 'InvalidRequestException');
  const workgroup = optionalString(input, 'WorkGroup', 'InvalidRequestException');
  const outputLocation = optionalString(result, 'OutputLocation', 'InvalidRequestException');
  const id = await athena.start({
    accountId: req.principal.accountId,
    caller: { principal: req.principal, facts: req.facts },
    query: requiredString(input, 'QueryString', 'InvalidRequestException'),
    ...(database ? { database } : {}),
    ...(workgroup ? { workgroup } : {}),
    ...(outputLocation ? { outputLocation } : {}),
    ...(token ? { clientRequestToken: token } : {}),
    ...(executionParameters ? { executionParameters } : {}),
    ...(reuseMaxAgeMinutes !== undefined ? { reuseMaxAgeMinutes } : {}),
  });
  return { QueryExecutionId: id };
}

/**
 * StartQueryExecution's members Seawall honours. ClientRequestToken is the idempotency token the SDKs fill
 * in themselves. EngineConfiguration is not implemented, so it is refused.
 */
const START_MEMBERS = [
  'QueryString',
  'ClientRequestToken',
  'QueryExecutionContext',
  'ResultConfiguration',
  'WorkGroup',
  'ResultReuseConfiguration',
  'ExecutionParameters',
] as const;
type StartMember = (typeof START_MEMBERS)[number];

/** The workgroups the queries an input names ran in: what their reads and stops are authorized on. */
function queryWorkgroups(athena: AthenaService, member: 'QueryExecutionId' | 'QueryExecutionIds') {
  return async (input: JsonInput<string>, req: ApiRequest): Promise<string[]> => {
    const value = input[member];
    const ids = Array.isArray(value) ? value : [value];
    // Every id must be a string (one id, or 1 to 50): anything else would be authorized on nothing.
    if (ids.length === 0 || ids.length > 50 || ids.some((id) => typeof id !== 'string' || id === ''))
      throw badRequest(
        'InvalidRequestException',
        `${member} must be ${Array.isArray(value) ? '1 to 50 ' : 'a '}non-empty string${Array.isArray(value) ? 's' : ''}.`,
      );
    const names = new Set<string>();
    for (const id of ids) names.add((await athena.find(id as string))?.workgroup ?? 'primary');
    return [...names].map((name) => workgroupArn(req, name));
  };
}

/** The workgroup an input names, `primary` when it names none. */
function namedWorkgroup(input: JsonInput<'WorkGroup'>, req: ApiRequest): string[] {
  const name = typeof input.WorkGroup === 'string' ? input.WorkGroup : 'primary';
  return [workgroupArn(req, name)];
}

/** The Athena API (awsJson1_1, X-Amz-Target AmazonAthena.*); its catalog operations read the Glue Data Catalog. */
export function createAthenaApi(athena: AthenaService, catalog: CatalogService) {
  const ofQuery = queryWorkgroups(athena, 'QueryExecutionId');
  return jsonService({
    service: 'athena',
    iamPrefix: 'athena',
    targetPrefix: 'AmazonAthena',
    operations: {
      StartQueryExecution: op(START_MEMBERS, namedWorkgroup, (input, req) => startQuery(athena, input, req)),
      GetQueryExecution: op(['QueryExecutionId'], ofQuery, async (input) => ({
        QueryExecution: execution(
          await athena.poll(requiredString(input, 'QueryExecutionId', 'InvalidRequestException')),
        ),
      })),
      BatchGetQueryExecution: op(
        ['QueryExecutionIds'],
        queryWorkgroups(athena, 'QueryExecutionIds'),
        async (input) => {
          // Checked as the operation's resources were: 1 to 50 strings.
          const ids = input.QueryExecutionIds as string[];
          const found: ReturnType<typeof execution>[] = [];
          const missing: { QueryExecutionId: string; ErrorCode: string; ErrorMessage: string }[] = [];
          for (const id of ids) {
            try {
              found.push(execution(await athena.get(id)));
            } catch (error) {
              missing.push({
                QueryExecutionId: id,
                ErrorCode: 'InvalidRequestException',
                ErrorMessage: (error as Error).message,
              });
            }
          }
          return { QueryExecutions: found, UnprocessedQueryExecutionIds: missing };
        },
      ),
      GetQueryResults: op(
        ['QueryExecutionId', 'NextToken', 'MaxResults', 'QueryResultType'],
        ofQuery,
        async (input, req) => {
          const resultType =
            optionalString(input, 'QueryResultType', 'InvalidRequestException') ?? 'DATA_ROWS';
          // Rows are what Seawall returns; a manifest of the result files is not implemented.
          if (resultType !== 'DATA_ROWS')
            throw refuse(`The QueryResultType ${resultType.slice(0, 32)} of GetQueryResults`);
          const max = optionalNumber(input, 'MaxResults', 'InvalidRequestException') ?? 1000;
          if (!Number.isInteger(max) || max < 1 || max > 1000)
            throw badRequest('InvalidRequestException', 'MaxResults must be between 1 and 1000.');
          const id = requiredString(input, 'QueryExecutionId', 'InvalidRequestException');
          // Athena reads the results from S3 as the caller: s3:GetObject on the result file, and kms:Decrypt on
          // its key where it is SSE-KMS.
          const row = await athena.get(id);
          if (row.state === 'SUCCEEDED')
            await req.authorize({ action: 's3:GetObject', resources: [s3UrlArn(row.output_location)] });
          const page = await athena.results(
            id,
            optionalString(input, 'NextToken', 'InvalidRequestException'),
            max,
            req.reserve,
            keyAccessOf(req),
          );
          return {
            UpdateCount: Number(row.update_count ?? 0),
            ResultSet: {
              Rows: page.rows.map((row) => ({
                Data: row.map((value) => (value === null ? {} : { VarCharValue: value })),
              })),
              ResultSetMetadata: { ColumnInfo: page.columns },
            },
            ...(page.nextToken ? { NextToken: page.nextToken } : {}),
          };
        },
      ),
      GetQueryRuntimeStatistics: op(['QueryExecutionId'], ofQuery, async (input) => ({
        QueryRuntimeStatistics: runtimeStatistics(
          await athena.get(requiredString(input, 'QueryExecutionId', 'InvalidRequestException')),
        ),
      })),
      StopQueryExecution: op(['QueryExecutionId'], ofQuery, async (input) => {
        await athena.stop(requiredString(input, 'QueryExecutionId', 'InvalidRequestException'));
        return {};
      }),
      ListQueryExecutions: op(['NextToken', 'MaxResults', 'WorkGroup'], namedWorkgroup, async (input) => {
        const max = Math.min(optionalNumber(input, 'MaxResults', 'InvalidRequestException') ?? 50, 50);
        const offset = decodeOffset(
          optionalString(input, 'NextToken', 'InvalidRequestException'),
          invalidToken,
        );
        const ids = await athena.list(
          optionalString(input, 'WorkGroup', 'InvalidRequestException') ?? 'primary',
          offset,
          max + 1,
        );
        return {
          QueryExecutionIds: ids.slice(0, max),
          ...(ids.length > max ? { NextToken: encodeOffset(offset + max) } : {}),
        };
      }),
      ...createWorkgroupOperations(athena, refuse),
      ...createCatalogMetadataOperations(catalog),
      ...createSavedQueryOperations(athena.saved),
    },
    refuse,
  });
}
