import { type AppError, badRequest } from '../errors.js';
import { memberRefusal, unexpectedMember } from '../lib/aws-json.js';
import type { ApiRequest } from '../lib/http.js';
import { offsetPage } from '../lib/page-token.js';

/**
 * The nested DataBrew inputs Seawall honours, checked where the handlers read them: anything else in a
 * dataset or a recipe job would change what it does, so it is refused by name (ValidationException).
 */

export const refuseMember = memberRefusal('ValidationException');

function invalid(message: string): AppError {
  return badRequest('ValidationException', message);
}

function record(value: unknown, where: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${where} must be an object.`);
  return value as Record<string, unknown>;
}

function list(value: unknown, where: string): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${where} must be a list.`);
  return value.map((item) => {
    const entry = record(item, where);
    if (!entry) throw invalid(`${where} entries must be objects.`);
    return entry;
  });
}

/** `value` as an object holding only `understood` members; `where` names it in the refusal. */
function only(
  value: unknown,
  understood: readonly string[],
  where: string,
): Record<string, unknown> | undefined {
  const object = record(value, where);
  const member = object && unexpectedMember(object, understood);
  if (member !== undefined) throw refuseMember(`${where}.${member.slice(0, 64)}`);
  return object;
}

/** Formats the job runner reads and writes; Excel, ORC, Avro and the rest are not implemented. */
const FORMATS = ['CSV', 'JSON', 'PARQUET'];

function checkFormat(value: unknown, where: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || !FORMATS.includes(value.toUpperCase()))
    throw refuseMember(`${where} ${String(value).slice(0, 32)}`);
}

/** `CatalogId`: the caller's own Data Catalog, or none; another account's is not reachable here. */
function checkCatalogId(value: unknown, where: string, req: ApiRequest): void {
  if (value === undefined || value === null || value === req.principal.accountId) return;
  throw invalid(`${where} must be your own account's catalog; cross-account catalogs are not implemented.`);
}

/** An S3 location. BucketOwner (a cross-account check) is not implemented. */
function location(value: unknown, where: string) {
  return only(value, ['Bucket', 'Key'], where);
}

/** CreateDataset's Format, FormatOptions and Input. PathOptions, Excel and database inputs are refused. */
export function checkDataset(body: Record<string, unknown>, req: ApiRequest): void {
  checkFormat(body.Format, 'Format');
  const options = only(body.FormatOptions, ['Csv', 'Json'], 'FormatOptions');
  only(options?.Csv, ['Delimiter', 'HeaderRow'], 'FormatOptions.Csv');
  only(options?.Json, ['MultiLine'], 'FormatOptions.Json');
  const input = only(body.Input, ['S3InputDefinition', 'DataCatalogInputDefinition'], 'Input');
  location(input?.S3InputDefinition, 'Input.S3InputDefinition');
  // TempDirectory is where AWS stages the table's rows; Seawall reads them in place, with the same result.
  const catalog = only(
    input?.DataCatalogInputDefinition,
    ['CatalogId', 'DatabaseName', 'TableName', 'TempDirectory'],
    'Input.DataCatalogInputDefinition',
  );
  checkCatalogId(catalog?.CatalogId, 'Input.DataCatalogInputDefinition.CatalogId', req);
  location(catalog?.TempDirectory, 'Input.DataCatalogInputDefinition.TempDirectory');
}

function sameLocation(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined) {
  return a?.Bucket === b?.Bucket && (a?.Key ?? '') === (b?.Key ?? '');
}

/**
 * A recipe job's settings and outputs. The runner writes one output (and registers it in the catalog once),
 * never retries, logs nowhere and does not encrypt, so more than that is refused. MaxCapacity bounds the
 * nodes a job may use; Seawall's job runs on one, which any MaxCapacity allows, and it is kept as given.
 */
export function checkRecipeJob(body: Record<string, unknown>, req: ApiRequest): void {
  if (body.LogSubscription !== undefined && body.LogSubscription !== 'DISABLE')
    throw refuseMember(`LogSubscription ${String(body.LogSubscription).slice(0, 32)}`);
  if (body.MaxRetries !== undefined && body.MaxRetries !== 0) throw refuseMember('MaxRetries other than 0');
  if (body.Timeout !== undefined && (!Number.isSafeInteger(body.Timeout) || (body.Timeout as number) < 0))
    throw invalid('Timeout must be a whole number of minutes, 0 or more.');
  only(body.RecipeReference, ['Name', 'RecipeVersion'], 'RecipeReference');
  const outputs = list(body.Outputs, 'Outputs');
  const catalogOutputs = list(body.DataCatalogOutputs, 'DataCatalogOutputs');
  if (outputs.length > 1) throw refuseMember('More than one entry in Outputs');
  if (catalogOutputs.length > 1) throw refuseMember('More than one entry in DataCatalogOutputs');
  const output = only(
    outputs[0],
    ['CompressionFormat', 'Format', 'PartitionColumns', 'Location', 'Overwrite'],
    'Outputs',
  );
  checkFormat(output?.Format, 'Outputs.Format');
  const outputLocation = location(output?.Location, 'Outputs.Location');
  const catalogOutput = only(
    catalogOutputs[0],
    ['CatalogId', 'DatabaseName', 'TableName', 'S3Options', 'Overwrite'],
    'DataCatalogOutputs',
  );
  checkCatalogId(catalogOutput?.CatalogId, 'DataCatalogOutputs.CatalogId', req);
  const s3 = only(catalogOutput?.S3Options, ['Location'], 'DataCatalogOutputs.S3Options');
  const catalogLocation = location(s3?.Location, 'DataCatalogOutputs.S3Options.Location');
  // The table is registered over the files the job writes; a second location would be left unwritten.
  if (outputLocation && catalogLocation && !sameLocation(outputLocation, catalogLocation))
    throw refuseMember('A DataCatalogOutputs location different from the Outputs location');
}

/** A page of a DataBrew listing: `maxResults` (1–100) items after the offset `nextToken` names. */
export function pageOf<T>(items: readonly T[], query: (name: string) => string | undefined) {
  const maxText = query('maxResults');
  const max = maxText === undefined ? 100 : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw invalid('maxResults must be an integer from 1 to 100.');
  return offsetPage(items, query('nextToken'), max, () => invalid('nextToken is not valid.'));
}
