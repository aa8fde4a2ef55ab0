import type { ColumnSource, Condition, StepKind } from './recipe.js';
import { type ParameterReader, parseDataType, parseDateFormat } from './recipe-parameters.js';

type ConditionUse = 'none' | 'optional' | 'required';
export interface OperationSpec {
  readonly kind: StepKind;
  readonly required: readonly string[];
  readonly optional: readonly string[];
  readonly conditions: ConditionUse;
  readonly build: (p: ParameterReader, conditions: readonly Condition[]) => Record<string, unknown>;
}

const COLUMN = ['sourceColumn'];
const sourceAndTarget = (p: ParameterReader) => ({
  sourceColumn: p.column('sourceColumn'),
  targetColumn: p.column('targetColumn'),
});
const sourceOnly = (p: ParameterReader, conditions: readonly Condition[]) => ({
  sourceColumn: p.column('sourceColumn'),
  conditions,
});
const columnOrValue = (p: ParameterReader): ColumnSource => {
  const which = p.exactlyOne('sourceColumn', 'value');
  return which === 'sourceColumn' ? { column: p.column('sourceColumn') } : { value: p.string('value') };
};
const FILL_CUSTOM_TYPES = ['date', 'number', 'boolean', 'unsupported', 'string', 'timestamp'];

// Parameter names are DataBrew's (docs.aws.amazon.com/databrew/latest/dg/recipe-actions.*.html). The keys of
// this table are the operations Seawall runs; anything else is rejected rather than silently skipped.
export const OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  RENAME: {
    kind: 'Rename',
    required: ['sourceColumn', 'targetColumn'],
    optional: [],
    conditions: 'none',
    build: sourceAndTarget,
  },
  DELETE: {
    kind: 'Delete',
    required: [],
    optional: ['sourceColumn', 'sourceColumns'],
    conditions: 'none',
    build: (p) =>
      p.exactlyOne('sourceColumn', 'sourceColumns') === 'sourceColumn'
        ? { sourceColumns: [p.column('sourceColumn')] }
        : { sourceColumns: p.columns('sourceColumns') },
  },
  DUPLICATE: {
    kind: 'Duplicate',
    required: ['sourceColumn', 'targetColumn'],
    optional: [],
    conditions: 'none',
    build: sourceAndTarget,
  },
  CHANGE_DATA_TYPE: {
    kind: 'ChangeDataType',
    required: ['sourceColumn', 'columnDataType'],
    optional: [],
    conditions: 'none',
    build: (p) => ({
      sourceColumn: p.column('sourceColumn'),
      columnDataType: parseDataType(p.context, p.string('columnDataType')),
    }),
  },
  TRIM: {
    kind: 'Trim',
    required: ['targetColumn'],
    optional: ['sourceColumn', 'value'],
    conditions: 'optional',
    build: (p, conditions) => ({
      source: columnOrValue(p),
      targetColumn: p.column('targetColumn'),
      conditions,
    }),
  },
  UPPER_CASE: {
    kind: 'UpperCase',
    required: COLUMN,
    optional: [],
    conditions: 'optional',
    build: sourceOnly,
  },
  LOWER_CASE: {
    kind: 'LowerCase',
    required: COLUMN,
    optional: [],
    conditions: 'optional',
    build: sourceOnly,
  },
  CAPITAL_CASE: {
    kind: 'CapitalCase',
    required: COLUMN,
    optional: [],
    conditions: 'optional',
    build: sourceOnly,
  },
  REPLACE_TEXT: {
    kind: 'ReplaceText',
    required: ['sourceColumn', 'pattern', 'value'],
    optional: [],
    conditions: 'optional',
    build: (p, conditions) => ({
      sourceColumn: p.column('sourceColumn'),
      pattern: p.nonEmpty('pattern'),
      value: p.string('value'),
      conditions,
    }),
  },
  FILL_WITH_CUSTOM: {
    kind: 'FillWithCustom',
    required: ['sourceColumn', 'value'],
    optional: ['columnDataType'],
    conditions: 'optional',
    build: (p, conditions) => {
      p.optionalOneOf('columnDataType', FILL_CUSTOM_TYPES);
      return { sourceColumn: p.column('sourceColumn'), value: p.string('value'), conditions };
    },
  },
  FILL_WITH_NULL: {
    kind: 'FillWithNull',
    required: COLUMN,
    optional: [],
    conditions: 'optional',
    build: sourceOnly,
  },
  FILL_WITH_EMPTY: {
    kind: 'FillWithEmpty',
    required: COLUMN,
    optional: [],
    conditions: 'optional',
    build: sourceOnly,
  },
  // `groupByColumns` is a Seawall extension, not a DataBrew parameter: with it a missing value is filled with
  // the most frequent value among rows sharing the group's values (e.g. a parking ticket's InfractionText from
  // other tickets with the same Bylaw and Section), and stays NULL when its group has no value at all.
  FILL_WITH_MOST_FREQUENT: {
    kind: 'FillWithMostFrequent',
    required: COLUMN,
    optional: ['groupByColumns'],
    conditions: 'optional',
    build: (p, conditions) => ({
      sourceColumn: p.column('sourceColumn'),
      groupByColumns: p.has('groupByColumns') ? p.columns('groupByColumns') : [],
      conditions,
    }),
  },
  REMOVE_MISSING: {
    kind: 'RemoveMissing',
    required: COLUMN,
    optional: [],
    conditions: 'optional',
    build: sourceOnly,
  },
  // What the console writes for "Filter values" / "Remove values": the rows matching every condition go.
  REMOVE_VALUES: {
    kind: 'RemoveValues',
    required: COLUMN,
    optional: [],
    conditions: 'required',
    build: sourceOnly,
  },
  DELETE_DUPLICATE_ROWS: {
    kind: 'DeleteDuplicateRows',
    required: [],
    optional: [],
    conditions: 'none',
    build: () => ({}),
  },
  FORMAT_DATE: {
    kind: 'FormatDate',
    required: ['sourceColumn', 'targetDateFormat'],
    optional: [],
    conditions: 'optional',
    build: (p, conditions) => {
      const targetDateFormat = p.string('targetDateFormat');
      const format = parseDateFormat(p.context, targetDateFormat);
      return { sourceColumn: p.column('sourceColumn'), targetDateFormat, format, conditions };
    },
  },
  CRYPTOGRAPHIC_HASH: {
    kind: 'CryptographicHash',
    required: ['sourceColumns', 'secretId'],
    optional: ['secretVersion', 'algorithm', 'createSecretIfMissing', 'entityTypeFilter'],
    conditions: 'none',
    build: (p) => {
      p.optionalOneOf(
        'algorithm',
        ['HMAC_SHA256'],
        'only HMAC_SHA256 is supported (unkeyed hashes of personal data can be reversed by guessing)',
      );
      p.optionalOneOf(
        'createSecretIfMissing',
        ['false'],
        'Seawall does not create secrets; create the secret first',
      );
      if (p.has('entityTypeFilter'))
        p.fail('parameter "entityTypeFilter" (PII entity detection) is not supported');
      const secretVersion = p.has('secretVersion') ? p.string('secretVersion') : undefined;
      return { sourceColumns: p.columns('sourceColumns'), secretId: p.nonEmpty('secretId'), secretVersion };
    },
  },
  YEAR: {
    kind: 'Year',
    required: ['targetColumn'],
    optional: ['sourceColumn', 'value'],
    conditions: 'none',
    build: (p) => ({ source: columnOrValue(p), targetColumn: p.column('targetColumn') }),
  },
};
