import type { RuleTable } from './rules.js';
import { AGGREGATE_FUNCTIONS } from './trino-aggregates.js';
import { COLLECTION_FUNCTIONS } from './trino-collections.js';
import { DATETIME_FUNCTIONS } from './trino-datetime.js';
import { JSON_FUNCTIONS } from './trino-json.js';
import { MATH_FUNCTIONS } from './trino-math.js';
import { MISC_FUNCTIONS } from './trino-misc.js';
import { REGEX_FUNCTIONS } from './trino-regex.js';
import { STRING_FUNCTIONS } from './trino-strings.js';

/** The families of Athena's functions, one per file; a name belongs to one family only (tested). */
export const TRINO_FAMILIES: readonly RuleTable[] = [
  DATETIME_FUNCTIONS,
  AGGREGATE_FUNCTIONS,
  STRING_FUNCTIONS,
  REGEX_FUNCTIONS,
  COLLECTION_FUNCTIONS,
  JSON_FUNCTIONS,
  MATH_FUNCTIONS,
  MISC_FUNCTIONS,
];

/** Every function of Athena's SQL that Seawall runs, by lower-cased name. */
export const TRINO_FUNCTIONS: RuleTable = Object.assign({}, ...TRINO_FAMILIES);
