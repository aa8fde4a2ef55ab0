import type { CatalogService, GlueArns } from '../catalog/index.js';
import { authorizeLocationRead, dataLocations, isDataKey, s3UrlArn } from '../catalog/index.js';
import type { Authorize } from '../lib/operation.js';
import type { StorageService } from '../storage/index.js';
import type { DatasetDefinition, RecipeJobDefinition } from './recipe-job.js';

/** What a recipe job's role must be allowed, checked before the job reads or writes anything. */
export interface RecipeJobAccess {
  authorize: Authorize;
  /** The ARNs of the account's Data Catalog. */
  arns: GlueArns;
  /** Where the dataset is: which KMS keys seal it. */
  storage: Pick<StorageService, 'checkKeyReads'>;
}

async function readable(access: RecipeJobAccess, location: string): Promise<void> {
  await authorizeLocationRead(access.storage, access.authorize, access.arns, location, isDataKey);
}

/**
 * The checks DataBrew's service role must pass for a job (the DataBrew docs' role permissions): read its
 * dataset (glue:GetTable for a catalog dataset, s3:ListBucket and s3:GetObject on the data, kms:Decrypt on the
 * keys of SSE-KMS data), write its output
 * (s3:PutObject, s3:DeleteObject when it overwrites; kms:GenerateDataKey on an SSE-KMS output's key is checked
 * as each object is written) and register its catalog output (glue:CreateTable or
 * UpdateTable, glue:BatchCreatePartition).
 */
export async function checkRecipeJobAccess(
  access: RecipeJobAccess,
  catalog: CatalogService,
  job: RecipeJobDefinition,
  dataset: DatasetDefinition,
  output: { location: string; overwrite: boolean },
): Promise<void> {
  const catalogInput = dataset.Input.DataCatalogInputDefinition;
  if (catalogInput) {
    const arns = access.arns.tablePath(catalogInput.DatabaseName, catalogInput.TableName);
    await access.authorize({ action: 'glue:GetTable', resources: arns });
    const table = await catalog
      .getTable(catalogInput.DatabaseName, catalogInput.TableName)
      .catch(() => undefined);
    // The table's location, or each partition's: a partition may point anywhere.
    if (table) for (const location of await dataLocations(catalog, table)) await readable(access, location);
  }
  const s3 = dataset.Input.S3InputDefinition;
  if (s3) await readable(access, `s3://${s3.Bucket}/${s3.Key ?? ''}`);
  const written = s3UrlArn(output.location);
  await access.authorize({ action: 's3:PutObject', resources: [written] });
  if (output.overwrite) await access.authorize({ action: 's3:DeleteObject', resources: [written] });
  for (const target of job.DataCatalogOutputs ?? []) {
    const arns = access.arns.tablePath(target.DatabaseName, target.TableName);
    const exists = await catalog.getTable(target.DatabaseName, target.TableName).then(
      () => true,
      () => false,
    );
    await access.authorize({ action: exists ? 'glue:UpdateTable' : 'glue:CreateTable', resources: arns });
    await access.authorize({ action: 'glue:BatchCreatePartition', resources: arns });
  }
}
