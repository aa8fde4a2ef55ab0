import type { CatalogService } from '../catalog/index.js';
import {
  authorizeLocationRead,
  catalogArns,
  dataLocations,
  isDataKey,
  s3UrlArn,
  s3UrlObject,
} from '../catalog/index.js';
import { isAppError } from '../errors.js';
import type { Authorizer, AuthzCheck, Principal, RequestFacts } from '../lib/operation.js';
import { keyCheck, type StorageService } from '../storage/index.js';
import { QueryRejected } from './sandbox.js';
import type { TableReference } from './sandbox-tree.js';

/** Who started a query and from where: its reads and writes are authorized as that caller, when it runs. */
export interface QueryCaller {
  readonly principal: Principal;
  readonly facts: RequestFacts;
}

/** A caller kept with its query (JSON), read back when the query runs, perhaps after a restart. */
export function callerOf(stored: string | null, accountId: string): QueryCaller {
  if (stored !== null) {
    const parsed = JSON.parse(stored) as { principal: Principal; facts: RequestFacts & { time: string } };
    return { principal: parsed.principal, facts: { ...parsed.facts, time: new Date(parsed.facts.time) } };
  }
  // Queries queued before callers were kept were all the account root's.
  return {
    principal: {
      accountId,
      arn: `arn:aws:iam::${accountId}:root`,
      accessKeyId: '',
      type: 'Root',
      userId: accountId,
    },
    facts: { sourceIp: '', secureTransport: false, time: new Date(0), userAgent: '' },
  };
}

/** Authorizes one check as the query's caller; a denial fails the query with Athena's reason. */
export async function authorizeAsCaller(
  authorizer: Authorizer,
  caller: QueryCaller,
  check: AuthzCheck,
): Promise<void> {
  try {
    await authorizer.authorize(caller.principal, check, caller.facts);
  } catch (error) {
    if (isAppError(error) && error.code === 'AccessDenied')
      throw new QueryRejected(`Insufficient permissions to execute the query. ${error.message}`);
    throw error;
  }
}

/**
 * glue:GetDatabase and glue:GetTable on one table, as the caller: what must hold before Seawall even reads
 * the table's definition on a query's behalf (to learn whether it is a view).
 */
export function tableLookupCheck(deps: {
  authorizer: Authorizer;
  region: string;
  caller: QueryCaller;
}): (ref: TableReference) => Promise<void> {
  const arns = catalogArns(deps.region, deps.caller.principal.accountId);
  return async ({ database, table }) => {
    const names = arns.tablePath(database, table);
    await authorizeAsCaller(deps.authorizer, deps.caller, {
      action: 'glue:GetDatabase',
      resources: names.slice(0, 2),
    });
    await authorizeAsCaller(deps.authorizer, deps.caller, { action: 'glue:GetTable', resources: names });
  };
}

/**
 * What Athena checks of the caller before a query reads anything (docs: "Access to Athena for data in
 * Amazon S3" and "Fine-grained access to databases and tables"): glue:GetDatabase and glue:GetTable (and
 * glue:GetPartitions for a partitioned table) on each table the SQL reads, s3:ListBucket and s3:GetObject on
 * its data (and kms:Decrypt on the keys of SSE-KMS data, as S3 asks of the reader), and s3:PutObject where
 * the results go (and kms:GenerateDataKey on the key that bucket's default seals them under, as S3 asks of the
 * writer). A denial fails the query, as Athena's does.
 */
export async function checkQueryAccess(deps: {
  authorizer: Authorizer;
  catalog: CatalogService;
  region: string;
  caller: QueryCaller;
  tables: readonly TableReference[];
  output: string;
  /** Where the tables' data is and the results go: which KMS keys seal them. */
  storage: Pick<StorageService, 'checkKeyReads' | 'checkKeyWrite'>;
}): Promise<void> {
  const authorize = (check: AuthzCheck) => authorizeAsCaller(deps.authorizer, deps.caller, check);
  const lookUp = tableLookupCheck(deps);
  const arns = catalogArns(deps.region, deps.caller.principal.accountId);
  for (const { database, table } of deps.tables) {
    const names = arns.tablePath(database, table);
    await lookUp({ database, table });
    // A table that does not exist is reported by the query itself, as Athena does.
    const found = await deps.catalog.getTable(database, table).catch(() => undefined);
    if (!found) continue;
    if ((found.definition.PartitionKeys ?? []).length > 0)
      await authorize({ action: 'glue:GetPartitions', resources: names });
    // The table's location, or each partition's: a partition may point anywhere.
    for (const location of await dataLocations(deps.catalog, found))
      await authorizeLocationRead(deps.storage, authorize, arns, location, isDataKey);
  }
  const { bucket, key } = s3UrlObject(deps.output);
  const asCaller = (check: AuthzCheck) =>
    deps.authorizer.authorize(deps.caller.principal, check, deps.caller.facts);
  try {
    await asCaller({ action: 's3:PutObject', resources: [s3UrlArn(deps.output)] });
    await deps.storage.checkKeyWrite(bucket, key, {
      check: keyCheck(asCaller, deps.caller.principal.accountId),
    });
  } catch (error) {
    // A bucket that is not there is the query's own error, reported where it writes.
    if (isAppError(error) && error.code === 'NoSuchBucket') return;
    if (isAppError(error) && (error.code === 'AccessDenied' || error.code.startsWith('KMS.')))
      throw new QueryRejected(
        `Access denied when writing output to url: ${deps.output} . Please ensure you are allowed to access the S3 bucket. If you are encrypting query results with KMS key, please ensure you are allowed to access your KMS key. ${error.message}`,
      );
    throw error;
  }
}
