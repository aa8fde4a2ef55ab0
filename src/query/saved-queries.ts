import { AppError, badRequest } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { uuid } from '../lib/ids.js';
import type { NamedQueryRow, PreparedStatementRow, SavedQueryStore } from './saved-query-store.js';
import type { PreparedStatements } from './statements/ast.js';

function invalid(message: string): AppError {
  return badRequest('InvalidRequestException', message);
}

function statementNotFound(workgroup: string, name: string): AppError {
  return new AppError(
    'ResourceNotFoundException',
    400,
    `Prepared statement ${name} was not found in workgroup ${workgroup}.`,
  );
}

export interface NamedQueryInput {
  workgroup: string;
  name: string;
  description?: string;
  database: string;
  query: string;
  clientRequestToken?: string;
}

/**
 * A workgroup's named queries and prepared statements, kept durably. The prepared statements are the ones
 * SQL's PREPARE, EXECUTE and DEALLOCATE use too (the PreparedStatements seam of the statement executors).
 * `workgroupExists` answers Athena's error for a workgroup that is not there.
 */
export function createSavedQueries(deps: {
  store: SavedQueryStore;
  clock: Clock;
  workgroupExists: (name: string) => Promise<unknown>;
}) {
  const { store, clock } = deps;

  async function namedQuery(id: string): Promise<NamedQueryRow> {
    const row = await store.findNamedQuery(id);
    if (!row) throw invalid(`Named query ${id} was not found.`);
    return row;
  }

  async function statement(workgroup: string, name: string): Promise<PreparedStatementRow> {
    await deps.workgroupExists(workgroup);
    const row = await store.findStatement(workgroup, name);
    if (!row) throw statementNotFound(workgroup, name);
    return row;
  }

  const prepared: PreparedStatements = {
    async get(workgroup, name) {
      const row = await store.findStatement(workgroup, name);
      return row ? { statement: row.statement } : undefined;
    },
    async put(workgroup, name, text, description) {
      await store.putStatement({
        workgroup,
        name,
        statement: text,
        description: description ?? null,
        last_modified: clock.now().getTime(),
      });
    },
    delete: (workgroup, name) => store.deleteStatement(workgroup, name),
  };

  return {
    /** The store behind SQL's PREPARE, EXECUTE and DEALLOCATE. */
    prepared,

    async createNamedQuery(input: NamedQueryInput): Promise<string> {
      await deps.workgroupExists(input.workgroup);
      if (input.clientRequestToken !== undefined) {
        const previous = await store.findNamedQueryByToken(input.clientRequestToken);
        if (previous) {
          const same =
            previous.workgroup === input.workgroup &&
            previous.name === input.name &&
            previous.query === input.query &&
            previous.database === input.database;
          if (!same)
            throw badRequest(
              'InvalidRequestException',
              'Idempotent parameters do not match: the ClientRequestToken was used with another named query.',
            );
          return previous.id;
        }
      }
      const id = uuid();
      await store.insertNamedQuery({
        id,
        workgroup: input.workgroup,
        name: input.name,
        description: input.description ?? null,
        database: input.database,
        query: input.query,
        client_request_token: input.clientRequestToken ?? null,
        create_time: clock.now().getTime(),
      });
      return id;
    },
    namedQuery,
    findNamedQuery: (id: string) => store.findNamedQuery(id),
    async listNamedQueries(workgroup: string, offset: number, limit: number): Promise<string[]> {
      await deps.workgroupExists(workgroup);
      return store.listNamedQueries(workgroup, offset, limit);
    },
    async updateNamedQuery(id: string, changes: { name: string; description?: string; query: string }) {
      await namedQuery(id);
      await store.updateNamedQuery(id, {
        name: changes.name,
        query: changes.query,
        ...(changes.description !== undefined ? { description: changes.description } : {}),
      });
    },
    async deleteNamedQuery(id: string): Promise<void> {
      if (!(await store.deleteNamedQuery(id))) throw invalid(`Named query ${id} was not found.`);
    },

    statement,
    async createStatement(workgroup: string, name: string, text: string, description?: string) {
      await deps.workgroupExists(workgroup);
      const created = await store.insertStatement({
        workgroup,
        name,
        statement: text,
        description: description ?? null,
        last_modified: clock.now().getTime(),
      });
      if (!created) throw invalid(`Prepared statement ${name} already exists in workgroup ${workgroup}.`);
    },
    async updateStatement(workgroup: string, name: string, text: string, description?: string) {
      const current = await statement(workgroup, name);
      await prepared.put(workgroup, name, text, description ?? current.description ?? undefined);
    },
    async deleteStatement(workgroup: string, name: string): Promise<void> {
      await deps.workgroupExists(workgroup);
      if (!(await store.deleteStatement(workgroup, name))) throw statementNotFound(workgroup, name);
    },
    async listStatements(workgroup: string, offset: number, limit: number): Promise<PreparedStatementRow[]> {
      await deps.workgroupExists(workgroup);
      return store.listStatements(workgroup, offset, limit);
    },
  };
}

export type SavedQueries = ReturnType<typeof createSavedQueries>;
