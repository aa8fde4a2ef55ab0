import type { DatasetKey } from './datasets.js';

/** A DataBrew recipe step, as DataBrew's API takes it. */
export interface RecipeStep {
  Action: { Operation: string; Parameters?: Record<string, string> };
  ConditionExpressions?: { Condition: string; Value?: string; TargetColumn: string }[];
}

const step = (
  Operation: string,
  Parameters: Record<string, string> = {},
  conditions?: RecipeStep['ConditionExpressions'],
): RecipeStep => ({
  Action: { Operation, Parameters },
  ...(conditions ? { ConditionExpressions: conditions } : {}),
});
const type = (sourceColumn: string, columnDataType: string) =>
  step('CHANGE_DATA_TYPE', { sourceColumn, columnDataType });
const toNullWhenEmpty = (sourceColumn: string) => step('FILL_WITH_NULL', { sourceColumn });
const keepYears = (years: readonly number[]): RecipeStep[] => [
  step('REMOVE_MISSING', { sourceColumn: 'year' }),
  step('REMOVE_VALUES', { sourceColumn: 'year' }, [
    { Condition: 'IS_NOT', Value: JSON.stringify(years.map(String)), TargetColumn: 'year' },
  ]),
];

/**
 * Column names as the curated tables have them: snake_case, whatever the source wrote (the samples'
 * `EntryDate`, the portal's labels such as `Service request type`, the API's `service_request_type`).
 */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** RENAME steps from the raw table's column names to snake_case, so one recipe fits every source. */
export function renameSteps(columns: readonly string[]): RecipeStep[] {
  return columns
    .filter((name) => snakeCase(name) !== name)
    .map((name) => step('RENAME', { sourceColumn: name, targetColumn: snakeCase(name) }));
}

/**
 * The cleaning recipe of each dataset, over snake_case columns, fixing the quirks each SOURCE.md describes
 * and keeping the years asked for. Every recipe leaves a `year` column to partition the curated table by.
 */
export function vancouverRecipe(key: DatasetKey, years: readonly number[]): RecipeStep[] {
  switch (key) {
    case 'parking_tickets':
      return [
        type('year', 'integer'),
        ...keepYears(years),
        type('entry_date', 'date'),
        step('TRIM', { sourceColumn: 'street', targetColumn: 'street' }),
        step('UPPER_CASE', { sourceColumn: 'street' }),
        // 44% of tickets lack InfractionText; the (Bylaw, Section) pair determines it (Seawall extension).
        toNullWhenEmpty('infraction_text'),
        step('FILL_WITH_MOST_FREQUENT', {
          sourceColumn: 'infraction_text',
          groupByColumns: '["bylaw","section"]',
        }),
        // Block 0 stands for "no block recorded".
        step('FILL_WITH_NULL', { sourceColumn: 'block' }, [
          { Condition: 'IS', Value: '0', TargetColumn: 'block' },
        ]),
      ];
    case 'lost_animals':
      return [
        type('date', 'date'),
        step('YEAR', { sourceColumn: 'date', targetColumn: 'year' }),
        ...keepYears(years),
        ...['name', 'breed', 'color', 'sex', 'state'].map((column) =>
          step('TRIM', { sourceColumn: column, targetColumn: column }),
        ),
        step('FILL_WITH_NULL', { sourceColumn: 'name' }, [
          {
            Condition: 'IS',
            Value: '["Not Provided","Unknown","No Name","N/A","none"]',
            TargetColumn: 'name',
          },
        ]),
        ...['name', 'breed', 'color', 'sex'].map(toNullWhenEmpty),
        // "black and white", "Black & White" and "BLACK AND WHITE" are one colour.
        step('REPLACE_TEXT', { sourceColumn: 'color', pattern: ' & ', value: ' and ' }),
        step('CAPITAL_CASE', { sourceColumn: 'color' }),
        step('CAPITAL_CASE', { sourceColumn: 'breed' }),
        step('DELETE_DUPLICATE_ROWS'),
      ];
    case 'service_requests_311':
      return [
        type('service_request_open_timestamp', 'timestamp'),
        type('last_modified_timestamp', 'timestamp'),
        type('service_request_close_date', 'date'),
        type('latitude', 'double'),
        type('longitude', 'double'),
        step('YEAR', { sourceColumn: 'service_request_open_timestamp', targetColumn: 'year' }),
        ...keepYears(years),
        ...[
          'department',
          'service_request_type',
          'status',
          'closure_reason',
          'address',
          'local_area',
          'channel',
        ].map(toNullWhenEmpty),
        step('DELETE', { sourceColumns: '["geom"]' }),
        step('DELETE_DUPLICATE_ROWS'),
      ];
    case 'business_licences':
      return [
        step('RENAME', { sourceColumn: 'numberof_employees', targetColumn: 'number_of_employees' }),
        type('folderyear', 'integer'),
        type('licence_rsn', 'long'),
        type('licence_revision_number', 'integer'),
        type('number_of_employees', 'integer'),
        type('fee_paid', 'double'),
        type('issued_date', 'timestamp'),
        type('expired_date', 'date'),
        type('extract_date', 'timestamp'),
        step('YEAR', { sourceColumn: 'issued_date', targetColumn: 'year' }),
        ...keepYears(years),
        ...['business_trade_name', 'unit', 'unit_type', 'house', 'street', 'postal_code', 'local_area'].map(
          toNullWhenEmpty,
        ),
        step('DELETE', { sourceColumns: '["geom"]' }),
      ];
  }
}
