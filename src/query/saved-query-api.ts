import { badRequest } from '../errors.js';
import {
  epochSeconds,
  type JsonInput,
  jsonOperation as op,
  optionalNumber,
  optionalString,
  requiredString,
} from '../lib/aws-json.js';
import type { ApiRequest } from '../lib/http.js';
import { decodeOffset, encodeOffset } from '../lib/page-token.js';
import type { SavedQueries } from './saved-queries.js';
import type { NamedQueryRow } from './saved-query-store.js';
import { invalidToken, workgroupArn } from './workgroup-api.js';

const PRIMARY = 'primary';
const STATEMENT_NAME = /^[a-zA-Z_][a-zA-Z0-9_@:]{1,256}$/;

function invalid(message: string) {
  return badRequest('InvalidRequestException', message);
}

/** A string member within Athena's length limits. */
function text(input: JsonInput<string>, name: string, min: number, max: number, required: boolean) {
  const value = required
    ? requiredString(input, name, 'InvalidRequestException')
    : optionalString(input, name, 'InvalidRequestException');
  if (value !== undefined && (value.length < min || value.length > max))
    throw invalid(`${name} must be ${min} to ${max} characters long.`);
  return value;
}

function statementName(input: JsonInput<string>, name = 'StatementName'): string {
  const value = requiredString(input, name, 'InvalidRequestException');
  if (!STATEMENT_NAME.test(value)) throw invalid(`${name} must match [a-zA-Z_][a-zA-Z0-9_@:]{1,256}.`);
  return value;
}

function namedQueryOut(row: NamedQueryRow) {
  return {
    Name: row.name,
    ...(row.description !== null ? { Description: row.description } : {}),
    Database: row.database,
    QueryString: row.query,
    NamedQueryId: row.id,
    WorkGroup: row.workgroup,
  };
}

/** A page's size: MaxResults within Athena's range, 50 when absent. */
function maxResults(input: JsonInput<'MaxResults'>, min: number): number {
  const max = optionalNumber(input, 'MaxResults', 'InvalidRequestException') ?? 50;
  if (!Number.isInteger(max) || max < min || max > 50)
    throw invalid(`MaxResults must be between ${min} and 50.`);
  return max === 0 ? 50 : max;
}

/** The workgroup a WorkGroup member names, `primary` when it names none. */
const inWorkgroup = (input: JsonInput<'WorkGroup'>, req: ApiRequest) => [
  workgroupArn(req, typeof input.WorkGroup === 'string' ? input.WorkGroup : PRIMARY),
];

/** The workgroups the named queries an input names are in: what reading or changing them is authorized on. */
function namedQueryWorkgroups(saved: SavedQueries, member: 'NamedQueryId' | 'NamedQueryIds') {
  return async (input: JsonInput<string>, req: ApiRequest): Promise<string[]> => {
    const value = input[member];
    const ids = Array.isArray(value) ? value : [value];
    if (ids.length === 0 || ids.length > 50 || ids.some((id) => typeof id !== 'string' || id === ''))
      throw invalid(
        `${member} must be ${Array.isArray(value) ? '1 to 50 ' : 'a '}non-empty string${Array.isArray(value) ? 's' : ''}.`,
      );
    const names = new Set<string>();
    for (const id of ids) names.add((await saved.findNamedQuery(id as string))?.workgroup ?? PRIMARY);
    return [...names].map((name) => workgroupArn(req, name));
  };
}

/** Named queries (saved queries) and prepared statements, each kept in a workgroup. */
export function createSavedQueryOperations(saved: SavedQueries) {
  const ofNamedQuery = namedQueryWorkgroups(saved, 'NamedQueryId');
  return {
    CreateNamedQuery: op(
      ['Name', 'Description', 'Database', 'QueryString', 'ClientRequestToken', 'WorkGroup'],
      inWorkgroup,
      async (input) => {
        const token = text(input, 'ClientRequestToken', 32, 128, false);
        const description = text(input, 'Description', 1, 1024, false);
        const id = await saved.createNamedQuery({
          workgroup: optionalString(input, 'WorkGroup', 'InvalidRequestException') ?? PRIMARY,
          name: text(input, 'Name', 1, 128, true) as string,
          database: text(input, 'Database', 1, 255, true) as string,
          query: text(input, 'QueryString', 1, 262_144, true) as string,
          ...(description !== undefined ? { description } : {}),
          ...(token !== undefined ? { clientRequestToken: token } : {}),
        });
        return { NamedQueryId: id };
      },
    ),
    GetNamedQuery: op(['NamedQueryId'], ofNamedQuery, async (input) => ({
      NamedQuery: namedQueryOut(
        await saved.namedQuery(requiredString(input, 'NamedQueryId', 'InvalidRequestException')),
      ),
    })),
    BatchGetNamedQuery: op(['NamedQueryIds'], namedQueryWorkgroups(saved, 'NamedQueryIds'), async (input) => {
      // Checked as the operation's resources were: 1 to 50 strings.
      const found: ReturnType<typeof namedQueryOut>[] = [];
      const missing: { NamedQueryId: string; ErrorCode: string; ErrorMessage: string }[] = [];
      for (const id of input.NamedQueryIds as string[]) {
        const row = await saved.findNamedQuery(id);
        if (row) found.push(namedQueryOut(row));
        else
          missing.push({
            NamedQueryId: id,
            ErrorCode: 'InvalidRequestException',
            ErrorMessage: `Named query ${id} was not found.`,
          });
      }
      return { NamedQueries: found, UnprocessedNamedQueryIds: missing };
    }),
    ListNamedQueries: op(['NextToken', 'MaxResults', 'WorkGroup'], inWorkgroup, async (input) => {
      const max = maxResults(input, 0);
      const offset = decodeOffset(
        optionalString(input, 'NextToken', 'InvalidRequestException'),
        invalidToken,
      );
      const workgroup = optionalString(input, 'WorkGroup', 'InvalidRequestException') ?? PRIMARY;
      const ids = await saved.listNamedQueries(workgroup, offset, max + 1);
      return {
        NamedQueryIds: ids.slice(0, max),
        ...(ids.length > max ? { NextToken: encodeOffset(offset + max) } : {}),
      };
    }),
    UpdateNamedQuery: op(
      ['NamedQueryId', 'Name', 'Description', 'QueryString'],
      ofNamedQuery,
      async (input) => {
        const description = text(input, 'Description', 0, 1024, false);
        await saved.updateNamedQuery(requiredString(input, 'NamedQueryId', 'InvalidRequestException'), {
          name: text(input, 'Name', 1, 128, true) as string,
          query: text(input, 'QueryString', 1, 262_144, true) as string,
          ...(description !== undefined ? { description } : {}),
        });
        return {};
      },
    ),
    DeleteNamedQuery: op(['NamedQueryId'], ofNamedQuery, async (input) => {
      await saved.deleteNamedQuery(requiredString(input, 'NamedQueryId', 'InvalidRequestException'));
      return {};
    }),
    ...createPreparedStatementOperations(saved),
  };
}

/** CreatePreparedStatement and friends: the statements SQL's EXECUTE runs, by name, in a workgroup. */
function createPreparedStatementOperations(saved: SavedQueries) {
  const workgroupOf = (input: JsonInput<'WorkGroup'>) =>
    requiredString(input, 'WorkGroup', 'InvalidRequestException');
  return {
    CreatePreparedStatement: op(
      ['StatementName', 'WorkGroup', 'QueryStatement', 'Description'],
      inWorkgroup,
      async (input) => {
        await saved.createStatement(
          workgroupOf(input),
          statementName(input),
          text(input, 'QueryStatement', 1, 262_144, true) as string,
          text(input, 'Description', 1, 1024, false),
        );
        return {};
      },
    ),
    GetPreparedStatement: op(['StatementName', 'WorkGroup'], inWorkgroup, async (input) => {
      const row = await saved.statement(workgroupOf(input), statementName(input));
      return {
        PreparedStatement: {
          StatementName: row.name,
          QueryStatement: row.statement,
          WorkGroupName: row.workgroup,
          ...(row.description !== null ? { Description: row.description } : {}),
          LastModifiedTime: epochSeconds(row.last_modified),
        },
      };
    }),
    UpdatePreparedStatement: op(
      ['StatementName', 'WorkGroup', 'QueryStatement', 'Description'],
      inWorkgroup,
      async (input) => {
        await saved.updateStatement(
          workgroupOf(input),
          statementName(input),
          text(input, 'QueryStatement', 1, 262_144, true) as string,
          text(input, 'Description', 1, 1024, false),
        );
        return {};
      },
    ),
    DeletePreparedStatement: op(['StatementName', 'WorkGroup'], inWorkgroup, async (input) => {
      await saved.deleteStatement(workgroupOf(input), statementName(input));
      return {};
    }),
    ListPreparedStatements: op(['WorkGroup', 'NextToken', 'MaxResults'], inWorkgroup, async (input) => {
      const max = maxResults(input, 1);
      const offset = decodeOffset(
        optionalString(input, 'NextToken', 'InvalidRequestException'),
        invalidToken,
      );
      const rows = await saved.listStatements(workgroupOf(input), offset, max + 1);
      return {
        PreparedStatements: rows
          .slice(0, max)
          .map((row) => ({ StatementName: row.name, LastModifiedTime: epochSeconds(row.last_modified) })),
        ...(rows.length > max ? { NextToken: encodeOffset(offset + max) } : {}),
      };
    }),
    BatchGetPreparedStatement: op(['PreparedStatementNames', 'WorkGroup'], inWorkgroup, async (input) => {
      const workgroup = workgroupOf(input);
      const names = input.PreparedStatementNames;
      if (
        !Array.isArray(names) ||
        names.length === 0 ||
        names.length > 256 ||
        names.some((n) => typeof n !== 'string')
      )
        throw invalid('PreparedStatementNames must be a list of 1 to 256 statement names.');
      const found: unknown[] = [];
      const missing: { StatementName: string; ErrorCode: string; ErrorMessage: string }[] = [];
      for (const name of names as string[]) {
        try {
          const row = await saved.statement(workgroup, name);
          found.push({
            StatementName: row.name,
            QueryStatement: row.statement,
            WorkGroupName: row.workgroup,
            ...(row.description !== null ? { Description: row.description } : {}),
            LastModifiedTime: epochSeconds(row.last_modified),
          });
        } catch (error) {
          const { code, message } = error as { code?: string; message: string };
          if (code !== 'ResourceNotFoundException') throw error;
          missing.push({ StatementName: name, ErrorCode: code, ErrorMessage: message });
        }
      }
      return { PreparedStatements: found, UnprocessedPreparedStatementNames: missing };
    }),
  };
}
