/*
 * Trino's conditional and miscellaneous functions, and the geospatial basics on DuckDB (which has no spatial
 * extension here). `if`, `coalesce`, `try`, `try_cast` and CAST are syntax the parser turns into CASE, COALESCE,
 * TRY and CAST nodes (syntax-rules.ts).
 *
 * Geometries: only points, kept as their well-known text (`POINT (x y)`, as Athena prints a geometry), so a
 * selected point reads as it does in Athena. ST_X/ST_Y read the text back; other geometries are refused.
 */
import { QueryRejected } from '../sandbox-tree.js';
import {
  type Call,
  checkArity,
  constantOf,
  type Rule,
  type RuleTable,
  renamed,
  SAME,
  stringConstant,
  template,
} from './rules.js';

/**
 * DuckDB's type name as Trino writes it: lower case, `x[]` as array(x), STRUCT as row, FLOAT as real, BLOB as
 * varbinary, unnamed row fields without their empty name.
 */
const TYPE_NAME = (type: string) => {
  let sql = `lower(${type})`;
  for (const [from, to] of [
    ['"" ', ''],
    ['\\bstruct\\(', 'row('],
    ['\\bfloat\\b', 'real'],
    ['\\bblob\\b', 'varbinary'],
    ['\\bhugeint\\b', 'decimal(38,0)'],
    ['\\btimestamp with time zone\\b', 'TSTZ'],
    ['\\btimestamp\\b', 'timestamp(3)'],
    ['TSTZ', 'timestamp(3) with time zone'],
    ['\\binterval\\b', 'interval day to second'],
    ['^"null"$', 'unknown'],
  ] as const)
    sql = `regexp_replace(${sql}, '${from}', '${to}', 'g')`;
  // Three levels of arrays: an element without nested parentheses, then an array of it.
  for (let i = 0; i < 3; i++)
    sql = `regexp_replace(${sql}, '([a-z0-9_]+(?:\\([^()]*\\))?)\\[\\]', 'array(\\1)', 'g')`;
  return sql;
};

/** typeof: a string literal is varchar(n) in Trino (its length), other values their type's name. */
const typeOf: Rule = (call) => {
  checkArity(call, 1);
  const constant = constantOf(call.args[0]);
  if (typeof constant?.value === 'string')
    return { sql: '$2', extra: [stringConstant(`varchar(${[...constant.value].length})`)] };
  return TYPE_NAME('typeof($1)');
};

function refused(reason: string): Rule {
  return (call: Call) => {
    throw new QueryRejected(`NOT_SUPPORTED: ${call.name} is not supported here: ${reason}`);
  };
}

/** A number as JTS writes a coordinate: integral values without a fraction. */
const coordinate = (x: string) =>
  `CASE WHEN ${x} = trunc(${x}) AND abs(${x}) < 1e15 THEN CAST(CAST(${x} AS BIGINT) AS VARCHAR) ELSE CAST(${x} AS VARCHAR) END`;

const POINT_PATTERN = "'^POINT \\(([^ ()]+) ([^ ()]+)\\)$'";

/** A coordinate (1 for x, 2 for y) of a point's text; other geometries fail. */
const coordinateOf = (point: string, group: 1 | 2) =>
  `CASE WHEN ${point} = 'POINT EMPTY' THEN NULL WHEN regexp_matches(${point}, ${POINT_PATTERN}) THEN CAST(regexp_extract(${point}, ${POINT_PATTERN}, ${group}) AS DOUBLE) ELSE error('NOT_SUPPORTED: only POINT geometries are supported here') END`;

/** The canonical text of a point from well-known text: `POINT(1.0 2)` becomes `POINT (1 2)`. */
const FROM_TEXT = `CASE WHEN upper(trim($1)) = 'POINT EMPTY' THEN 'POINT EMPTY' WHEN regexp_matches(upper($1), '^\\s*POINT\\s*\\(\\s*[-+0-9.eE]+\\s+[-+0-9.eE]+\\s*\\)\\s*$')
  THEN 'POINT (' || ${coordinate("CAST(regexp_extract($1, '\\(\\s*([^\\s]+)\\s+([^\\s)]+)', 1) AS DOUBLE)")} || ' ' || ${coordinate("CAST(regexp_extract($1, '\\(\\s*([^\\s]+)\\s+([^\\s)]+)', 2) AS DOUBLE)")} || ')'
  ELSE error('NOT_SUPPORTED: only POINT geometries are supported here') END`;

/** Trino's great_circle_distance: the spherical law of cosines in Vincenty's form, the Earth 6371.01 km. */
const GREAT_CIRCLE = `CASE WHEN $1 < -90 OR $1 > 90 OR $3 < -90 OR $3 > 90 THEN error('INVALID_FUNCTION_ARGUMENT: Latitude must be between -90 and 90')
  WHEN $2 < -180 OR $2 > 180 OR $4 < -180 OR $4 > 180 THEN error('INVALID_FUNCTION_ARGUMENT: Longitude must be between -180 and 180')
  ELSE atan2(sqrt(power(cos(radians($3)) * sin(radians($2) - radians($4)), 2) + power(cos(radians($1)) * sin(radians($3)) - sin(radians($1)) * cos(radians($3)) * cos(radians($2) - radians($4)), 2)),
    sin(radians($1)) * sin(radians($3)) + cos(radians($1)) * cos(radians($3)) * cos(radians($2) - radians($4))) * 6371.01 END`;

export const MISC_FUNCTIONS: RuleTable = {
  coalesce: SAME,
  row: SAME,
  nullif: renamed('nullif', 2),
  typeof: typeOf,
  uuid: template('uuid()', 0),
  current_user: refused('Seawall does not expose the caller to SQL.'),
  st_point: template(
    `'POINT (' || ${coordinate('CAST($1 AS DOUBLE)')} || ' ' || ${coordinate('CAST($2 AS DOUBLE)')} || ')'`,
    2,
  ),
  st_x: template(coordinateOf('$1', 1), 1),
  st_y: template(coordinateOf('$1', 2), 1),
  st_astext: template(
    `CASE WHEN $1 = 'POINT EMPTY' OR regexp_matches($1, ${POINT_PATTERN}) THEN $1 ELSE error('NOT_SUPPORTED: only POINT geometries are supported here') END`,
    1,
  ),
  st_geometryfromtext: template(FROM_TEXT, 1),
  st_geomfromtext: template(FROM_TEXT, 1),
  st_distance: template(
    `sqrt(power(${coordinateOf('$1', 1)} - ${coordinateOf('$2', 1)}, 2) + power(${coordinateOf('$1', 2)} - ${coordinateOf('$2', 2)}, 2))`,
    2,
  ),
  great_circle_distance: template(GREAT_CIRCLE, 4),
  to_spherical_geography: refused('spherical geographies need a spatial engine; use great_circle_distance.'),
  to_geometry: refused('spherical geographies need a spatial engine.'),
};
