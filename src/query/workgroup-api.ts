import { AppError, badRequest } from '../errors.js';
import {
  epochSeconds,
  type JsonInput,
  type MemberRefusal,
  jsonOperation as op,
  optionalNumber,
  optionalString,
  requiredString,
} from '../lib/aws-json.js';
import type { ApiRequest } from '../lib/http.js';
import { offsetPage } from '../lib/page-token.js';
import type { AthenaService, WorkgroupTag } from './query-types.js';
import { configurationOf, configurationUpdatesOf, ENGINE_VERSION, workgroupOut } from './workgroup-config.js';

const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;
const MAX_TAGS = 50;

function invalid(message: string): AppError {
  return badRequest('InvalidRequestException', message);
}

/** Athena's answer to a NextToken it never gave. */
export const invalidToken = () => invalid('NextToken is not valid.');

function workgroupPage<T>(items: T[], input: JsonInput<'NextToken' | 'MaxResults'>) {
  const max = optionalNumber(input, 'MaxResults', 'InvalidRequestException') ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 50) throw invalid('MaxResults must be between 1 and 50.');
  return offsetPage(items, optionalString(input, 'NextToken', 'InvalidRequestException'), max, invalidToken);
}

function tagsOf(value: unknown): WorkgroupTag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_TAGS)
    throw invalid(`Tags must be a list of at most ${MAX_TAGS} tags.`);
  return value.map((tag: unknown) => {
    const { Key, Value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string' || Key.length < 1 || Key.length > 128 || Key.toLowerCase().startsWith('aws:'))
      throw invalid('A tag Key must be 1 to 128 characters and must not begin with aws:.');
    if (Value !== undefined && (typeof Value !== 'string' || Value.length > 256))
      throw invalid('A tag Value must be at most 256 characters.');
    return { Key, Value: (Value as string | undefined) ?? '' };
  });
}

/** The workgroup a tagging call names by ARN (`arn:aws:athena:<region>:<account>:workgroup/<name>`). */
function workgroupOfArn(arn: string, req: ApiRequest): string {
  const match = /^arn:aws:athena:([^:]+):(\d{12}):workgroup\/([a-zA-Z0-9._-]{1,128})$/.exec(arn);
  if (!match || match[1] !== req.region || match[2] !== req.principal.accountId)
    throw new AppError('ResourceNotFoundException', 400, `Resource ${arn.slice(0, 256)} is not found.`);
  return match[3] as string;
}

/** An Athena workgroup's ARN. */
export function workgroupArn(req: ApiRequest, name: string): string {
  return `arn:aws:athena:${req.region}:${req.principal.accountId}:workgroup/${name}`;
}

/** The workgroup a WorkGroup member names. */
const named = (input: JsonInput<'WorkGroup'>, req: ApiRequest) => [
  workgroupArn(req, typeof input.WorkGroup === 'string' ? input.WorkGroup : ''),
];

/** The resource a tagging call names by its ARN. */
const byArn = (input: JsonInput<'ResourceARN'>) => [
  typeof input.ResourceARN === 'string' ? input.ResourceARN : '',
];

/**
 * Athena's workgroups: create, read, update, delete, and the tags that carry Seawall's per-workgroup query
 * timeout and concurrency limit.
 */
export function createWorkgroupOperations(athena: AthenaService, refuse: MemberRefusal) {
  return {
    CreateWorkGroup: op(
      ['Name', 'Configuration', 'Description', 'Tags'],
      (i, req) => [workgroupArn(req, String(i.Name ?? ''))],
      async (input) => {
        const name = requiredString(input, 'Name', 'InvalidRequestException');
        if (!WORKGROUP_NAME.test(name)) throw invalid('WorkGroup name must match [a-zA-Z0-9._-]{1,128}.');
        const description = optionalString(input, 'Description', 'InvalidRequestException') ?? '';
        if (description.length > 1024) throw invalid('Description must be at most 1024 characters.');
        await athena.createWorkgroup({
          name,
          description,
          ...configurationOf(input, refuse),
          tags: tagsOf(input.Tags),
        });
        return {};
      },
    ),
    GetWorkGroup: op(['WorkGroup'], named, async (input) => ({
      WorkGroup: workgroupOut(
        await athena.workgroup(requiredString(input, 'WorkGroup', 'InvalidRequestException')),
      ),
    })),
    UpdateWorkGroup: op(
      ['WorkGroup', 'Description', 'ConfigurationUpdates', 'State'],
      named,
      async (input) => {
        const name = requiredString(input, 'WorkGroup', 'InvalidRequestException');
        const description = optionalString(input, 'Description', 'InvalidRequestException');
        if (description !== undefined && description.length > 1024)
          throw invalid('Description must be at most 1024 characters.');
        const state = optionalString(input, 'State', 'InvalidRequestException');
        if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED')
          throw invalid(
            `1 validation error detected: Value '${state.slice(0, 32)}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`,
          );
        await athena.updateWorkgroup(name, {
          ...configurationUpdatesOf(input, refuse),
          ...(description !== undefined ? { description } : {}),
          ...(state !== undefined ? { state } : {}),
        });
        return {};
      },
    ),
    DeleteWorkGroup: op(['WorkGroup', 'RecursiveDeleteOption'], named, async (input) => {
      await athena.deleteWorkgroup(
        requiredString(input, 'WorkGroup', 'InvalidRequestException'),
        input.RecursiveDeleteOption === true,
      );
      return {};
    }),
    ListWorkGroups: op(
      ['NextToken', 'MaxResults'],
      () => ['*'],
      async (input) => {
        const { items, NextToken } = workgroupPage(await athena.workgroups(), input);
        return {
          WorkGroups: items.map((row) => ({
            Name: row.name,
            State: row.state,
            Description: row.description,
            CreationTime: epochSeconds(row.create_time),
            EngineVersion: ENGINE_VERSION,
          })),
          ...(NextToken ? { NextToken } : {}),
        };
      },
    ),
    TagResource: op(['ResourceARN', 'Tags'], byArn, async (input, req) => {
      const name = workgroupOfArn(requiredString(input, 'ResourceARN', 'InvalidRequestException'), req);
      const current = await athena.workgroupTags(name);
      const added = tagsOf(input.Tags);
      const merged = [...current.filter((t) => !added.some((a) => a.Key === t.Key)), ...added];
      if (merged.length > MAX_TAGS) throw invalid(`A workgroup can have at most ${MAX_TAGS} tags.`);
      await athena.setWorkgroupTags(name, merged);
      return {};
    }),
    UntagResource: op(['ResourceARN', 'TagKeys'], byArn, async (input, req) => {
      const name = workgroupOfArn(requiredString(input, 'ResourceARN', 'InvalidRequestException'), req);
      const keys = input.TagKeys;
      if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))
        throw invalid('TagKeys must be a list of strings.');
      const current = await athena.workgroupTags(name);
      await athena.setWorkgroupTags(
        name,
        current.filter((t) => !keys.includes(t.Key)),
      );
      return {};
    }),
    // At most 50 tags, and a page holds at least 75: every answer is one whole page.
    ListTagsForResource: op(['ResourceARN', 'NextToken', 'MaxResults'], byArn, async (input, req) => {
      const name = workgroupOfArn(requiredString(input, 'ResourceARN', 'InvalidRequestException'), req);
      if (input.NextToken !== undefined) throw invalid('NextToken is not valid.');
      const max = optionalNumber(input, 'MaxResults', 'InvalidRequestException');
      if (max !== undefined && (!Number.isInteger(max) || max < 75))
        throw invalid('MaxResults must be at least 75.');
      return { Tags: await athena.workgroupTags(name) };
    }),
  };
}
