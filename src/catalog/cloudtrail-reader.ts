/*
 * CloudTrail log files as table rows, as Athena reads them with CloudTrailInputFormat (and either the
 * CloudTrailSerde or the hcatalog JsonSerDe): each file is a gzip JSON document `{"Records": [...]}` and every
 * record is a row. Columns match the record's keys case-insensitively at every depth (`eventversion` reads
 * `eventVersion`), a STRING column holding an object or array gets its JSON text (how requestParameters is
 * queried with json_extract), a missing key is NULL, and a value that does not fit its column type is NULL.
 */
import { quoteIdent, quoteList, quoteLiteral } from '../lib/sql.js';
import type { ColumnShape } from './glue-shapes.js';
import { parseHiveType, type TypeTree, toDuckDb } from './hive-types.js';

/** The input format AWS's documented CloudTrail tables name, whichever SerDe goes with it. */
export const CLOUDTRAIL_INPUT_FORMAT = 'com.amazon.emr.cloudtrail.CloudTrailInputFormat';

/** A log file is one JSON document; CloudTrail keeps them far below this, a hostile file stops here. */
const MAX_FILE_BYTES = 256 * 2 ** 20;

/** Digest files sit beside the logs (AWSLogs/ACCOUNT/CloudTrail-Digest/...) and are not records. */
export function isCloudTrailLogKey(key: string): boolean {
  return !key.includes('CloudTrail-Digest');
}

/** The first entry of `fields` (a list of {key, value} from a JSON object) whose key is `name`, any case. */
function lookup(fields: string, name: string): string {
  return `list_filter(${fields}, lambda e: lower(e.key) = ${quoteLiteral(name.toLowerCase())})[1].value`;
}

/** The entries of a JSON object, or NULL when the value is not an object. */
function entries(json: string): string {
  return `CASE WHEN json_type(${json}) = 'OBJECT' THEN map_entries(CAST(${json} AS MAP(VARCHAR, JSON))) END`;
}

/** Scalars as their text, objects and arrays as their JSON text: what a Hive STRING column reads. */
function asText(json: string): string {
  return `CASE WHEN json_type(${json}) IN ('OBJECT', 'ARRAY') THEN CAST(${json} AS VARCHAR) ELSE json_extract_string(${json}, '$') END`;
}

/**
 * The value of Hive type `tree` from the JSON value `json`. Each nesting level binds its own lambda variable
 * (`f1`, `x2`…), so no lambda refers to another's.
 */
function convert(json: string, tree: TypeTree, depth: number): string {
  const type = toDuckDb(tree);
  switch (tree.kind) {
    case 'primitive':
      if (tree.name === 'string' || tree.name === 'varchar' || tree.name === 'char') return asText(json);
      if (tree.name === 'timestamp')
        return `TRY_CAST(timezone('UTC', TRY_CAST(${asText(json)} AS TIMESTAMPTZ)) AS TIMESTAMP)`;
      return `TRY_CAST(${asText(json)} AS ${type})`;
    case 'decimal':
      return `TRY_CAST(${asText(json)} AS ${type})`;
    case 'array': {
      const x = `x${depth}`;
      return `CASE WHEN json_type(${json}) = 'ARRAY' THEN list_transform(CAST(${json} AS JSON[]), lambda ${x}: ${convert(x, tree.element, depth + 1)}) END`;
    }
    case 'map': {
      const e = `m${depth}`;
      const key = convert(`to_json(${e}.key)`, tree.key, depth + 1);
      // A key that does not fit the key type is dropped, and a repeated key keeps its first value.
      const pairs = `list_filter(list_transform(map_entries(CAST(${json} AS MAP(VARCHAR, JSON))), lambda ${e}: {'key': ${key}, 'value': ${convert(`${e}.value`, tree.value, depth + 1)}}), lambda ${e}: ${e}.key IS NOT NULL)`;
      const k = `k${depth}`;
      return `CASE WHEN json_type(${json}) = 'OBJECT' THEN map_from_entries(list_transform(list_distinct(list_transform(${pairs}, lambda ${e}: ${e}.key)), lambda ${k}: list_filter(${pairs}, lambda ${e}: ${e}.key = ${k})[1])) END`;
    }
    case 'struct': {
      const f = `f${depth}`;
      const members = tree.fields.map(
        (field) => `${quoteIdent(field.name)} := ${convert(lookup(f, field.name), field.type, depth + 1)}`,
      );
      return `CAST(list_transform([${entries(json)}], lambda ${f}: CASE WHEN ${f} IS NOT NULL THEN struct_pack(${members.join(', ')}) END)[1] AS ${type})`;
    }
  }
}

/** Why a file is refused, in the words Athena's Hive connector uses for an unreadable row. */
function refused(what: string): string {
  return `error(${quoteLiteral(`HIVE_CURSOR_ERROR: ${what}`)})`;
}

/**
 * SELECT over CloudTrail log files: one row per record, the table's columns read from it, then the partition's
 * constants. A file whose document is not an object, whose Records is not an array, or with a record that is
 * not an object fails the query; a document without Records (or with null) has no rows.
 */
export function selectCloudTrailFiles(columns: ColumnShape[], paths: string[], constants: string[]): string {
  const document = 'json';
  const records = `(${document} -> '$.Records')`;
  const unpack = `CASE WHEN json_type(${document}) <> 'OBJECT' THEN ${refused('a CloudTrail log file is not a JSON object')} WHEN ${records} IS NULL OR json_type(${records}) = 'NULL' THEN CAST([] AS JSON[]) WHEN json_type(${records}) = 'ARRAY' THEN CAST(${records} AS JSON[]) ELSE ${refused('Records in a CloudTrail log file is not an array')} END`;
  const fields = `CASE WHEN json_type(r) = 'OBJECT' THEN map_entries(CAST(r AS MAP(VARCHAR, JSON))) ELSE ${refused('a record in a CloudTrail log file is not a JSON object')} END`;
  const files = `read_json_objects(${quoteList(paths)}, format='unstructured', maximum_object_size=${MAX_FILE_BYTES})`;
  const projections = columns.map(
    (c) =>
      `${convert(lookup('"__fields"', c.Name), parseHiveType(c.Type ?? 'string'), 0)} AS ${quoteIdent(c.Name)}`,
  );
  const rows = `SELECT ${fields} AS "__fields" FROM (SELECT unnest(${unpack}) AS r FROM ${files})`;
  return `SELECT ${[...projections, ...constants].join(', ')} FROM (${rows})`;
}
