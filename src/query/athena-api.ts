import { badRequest } from '../errors.js';
import {
  epochSeconds,
  jsonService,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredString,
} from '../lib/aws-json.js';
import type { AthenaService } from './athena-service.js';
import type { QueryRow } from './query-store.js';

function execution(row: QueryRow) {
  const completed = row.completed_at ?? undefined;
  const queueMs = (row.started_at ?? completed ?? row.submitted_at) - row.submitted_at;
  return {
    QueryExecutionId: row.id,
    Query: row.query,
    StatementType: 'DML',
    SubstatementType: 'SELECT',
    ResultConfiguration: { OutputLocation: row.output_location },
    ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    QueryExecutionContext: { ...(row.database ? { Database: row.database } : {}), Catalog: 'awsdatacatalog' },
    Status: {
      State: row.state,
      ...(row.state_change_reason ? { StateChangeReason: row.state_change_reason } : {}),
      SubmissionDateTime: epochSeconds(row.submitted_at),
      ...(completed !== undefined ? { CompletionDateTime: epochSeconds(completed) } : {}),
      ...(row.state === 'FAILED'
        ? {
            AthenaError: {
              ErrorCategory: row.error_category ?? 2,
              ErrorType: row.error_type ?? 1000,
              Retryable: false,
              ErrorMessage: row.state_change_reason ?? '',
            },
          }
        : {}),
    },
    Statistics: {
      EngineExecutionTimeInMillis: row.engine_ms,
      DataScannedInBytes: row.data_scanned,
      TotalExecutionTimeInMillis: completed !== undefined ? completed - row.submitted_at : 0,
      QueryQueueTimeInMillis: queueMs,
      ServicePreProcessingTimeInMillis: 0,
      QueryPlanningTimeInMillis: 0,
      ServiceProcessingTimeInMillis: 0,
      ResultReuseInformation: { ReusedPreviousResult: false },
    },
    WorkGroup: row.workgroup,
    EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
  };
}

function offsetToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw badRequest('InvalidRequestException', 'NextToken is not valid.');
  return offset;
}

/** The Athena API (awsJson1_1, X-Amz-Target AmazonAthena.*). */
export function createAthenaApi(athena: AthenaService) {
  return jsonService('AmazonAthena', {
    StartQueryExecution: async (input, req) => {
      const context = optionalObject(input, 'QueryExecutionContext', 'InvalidRequestException') ?? {};
      const result = optionalObject(input, 'ResultConfiguration', 'InvalidRequestException') ?? {};
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
        query: requiredString(input, 'QueryString', 'InvalidRequestException'),
        ...(database ? { database } : {}),
        ...(workgroup ? { workgroup } : {}),
        ...(outputLocation ? { outputLocation } : {}),
        ...(token ? { clientRequestToken: token } : {}),
      });
      return { QueryExecutionId: id };
    },
    GetQueryExecution: async (input) => ({
      QueryExecution: execution(
        await athena.get(requiredString(input, 'QueryExecutionId', 'InvalidRequestException')),
      ),
    }),
    BatchGetQueryExecution: async (input) => {
      const ids = Array.isArray(input.QueryExecutionIds)
        ? (input.QueryExecutionIds as unknown[]).map(String).slice(0, 50)
        : [];
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
    GetQueryResults: async (input) => {
      const max = optionalNumber(input, 'MaxResults', 'InvalidRequestException') ?? 1000;
      if (!Number.isInteger(max) || max < 1 || max > 1000)
        throw badRequest('InvalidRequestException', 'MaxResults must be between 1 and 1000.');
      const page = await athena.results(
        requiredString(input, 'QueryExecutionId', 'InvalidRequestException'),
        optionalString(input, 'NextToken', 'InvalidRequestException'),
        max,
      );
      return {
        UpdateCount: 0,
        ResultSet: {
          Rows: page.rows.map((row) => ({
            Data: row.map((value) => (value === null ? {} : { VarCharValue: value })),
          })),
          ResultSetMetadata: { ColumnInfo: page.columns },
        },
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },
    StopQueryExecution: async (input) => {
      await athena.stop(requiredString(input, 'QueryExecutionId', 'InvalidRequestException'));
      return {};
    },
    ListQueryExecutions: async (input) => {
      const max = Math.min(optionalNumber(input, 'MaxResults', 'InvalidRequestException') ?? 50, 50);
      const offset = offsetToken(optionalString(input, 'NextToken', 'InvalidRequestException'));
      const ids = await athena.list(
        optionalString(input, 'WorkGroup', 'InvalidRequestException') ?? 'primary',
        offset,
        max + 1,
      );
      return {
        QueryExecutionIds: ids.slice(0, max),
        ...(ids.length > max ? { NextToken: Buffer.from(String(offset + max)).toString('base64url') } : {}),
      };
    },
    GetWorkGroup: async (input) => {
      const row = await athena.workgroup(requiredString(input, 'WorkGroup', 'InvalidRequestException'));
      return {
        WorkGroup: {
          Name: row.name,
          State: 'ENABLED',
          Description: row.description,
          CreationTime: epochSeconds(row.create_time),
          Configuration: {
            ResultConfiguration: { OutputLocation: row.output_location },
            EnforceWorkGroupConfiguration: row.enforce === 1,
            PublishCloudWatchMetricsEnabled: false,
            RequesterPaysEnabled: false,
            EngineVersion: {
              SelectedEngineVersion: 'AUTO',
              EffectiveEngineVersion: 'Athena engine version 3',
            },
          },
        },
      };
    },
    ListWorkGroups: async () => ({
      WorkGroups: (await athena.workgroups()).map((row) => ({
        Name: row.name,
        State: 'ENABLED',
        Description: row.description,
        CreationTime: epochSeconds(row.create_time),
        EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
      })),
    }),
  });
}
