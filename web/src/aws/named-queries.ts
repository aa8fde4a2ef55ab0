import {
  type AthenaClient,
  BatchGetNamedQueryCommand,
  CreateNamedQueryCommand,
  DeleteNamedQueryCommand,
  ListNamedQueriesCommand,
} from '@aws-sdk/client-athena';

/** A saved query, as Athena's named query API keeps it. */
export interface SavedQuery {
  id: string;
  name: string;
  description: string | undefined;
  database: string;
  sql: string;
}

/** BatchGetNamedQuery takes at most 50 ids, and ListNamedQueries pages by as many. */
const BATCH = 50;

export async function saveQuery(
  athena: AthenaClient,
  query: { name: string; description: string; database: string; sql: string; workgroup: string },
): Promise<string> {
  const output = await athena.send(
    new CreateNamedQueryCommand({
      Name: query.name,
      ...(query.description ? { Description: query.description } : {}),
      Database: query.database,
      QueryString: query.sql,
      WorkGroup: query.workgroup,
    }),
  );
  if (!output.NamedQueryId) throw new Error('The server did not return a named query id.');
  return output.NamedQueryId;
}

/** Every saved query of the workgroup, sorted by name. */
export async function listSavedQueries(
  athena: AthenaClient,
  options: { workgroup: string; signal: AbortSignal },
): Promise<SavedQuery[]> {
  const saved: SavedQuery[] = [];
  let token: string | undefined;
  do {
    const page = await athena.send(
      new ListNamedQueriesCommand({
        WorkGroup: options.workgroup,
        MaxResults: BATCH,
        ...(token ? { NextToken: token } : {}),
      }),
      { abortSignal: options.signal },
    );
    const ids = page.NamedQueryIds ?? [];
    if (ids.length > 0) {
      const described = await athena.send(new BatchGetNamedQueryCommand({ NamedQueryIds: ids }), {
        abortSignal: options.signal,
      });
      for (const q of described.NamedQueries ?? [])
        saved.push({
          id: q.NamedQueryId ?? '',
          name: q.Name ?? '',
          description: q.Description || undefined,
          database: q.Database ?? '',
          sql: q.QueryString ?? '',
        });
    }
    token = page.NextToken;
  } while (token);
  return saved.sort((a, b) => a.name.localeCompare(b.name));
}

export async function deleteSavedQuery(athena: AthenaClient, id: string): Promise<void> {
  await athena.send(new DeleteNamedQueryCommand({ NamedQueryId: id }));
}
