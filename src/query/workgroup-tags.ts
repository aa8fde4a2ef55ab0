import { badRequest } from '../errors.js';
import type { WorkgroupRow } from './query-store.js';
import type { WorkgroupTag } from './query-types.js';

/**
 * Athena has no per-workgroup query timeout (its timeout is a service quota); in Seawall a workgroup's tag
 * sets one, so an administrator can give a workgroup of dashboards a tight limit and one of ETL a loose one.
 */
export const TIMEOUT_TAG = 'seawall:query-timeout-seconds';
/**
 * Athena's concurrency is an account quota; in Seawall a workgroup's tag caps how many of its queries run at
 * once. Past the cap a query stays QUEUED until one of the workgroup's queries finishes.
 */
export const CONCURRENCY_TAG = 'seawall:max-concurrent-queries';
const MAX_TIMEOUT_SECONDS = 24 * 60 * 60;
const MAX_CONCURRENT = 1000;

/** The whole number a tag holds, from 1 to `max`; null when the tag is absent. */
function wholeNumberTag(
  tags: readonly WorkgroupTag[],
  key: string,
  max: number,
  unit: string,
): number | null {
  const tag = tags.find((t) => t.Key === key);
  if (!tag) return null;
  const value = Number(tag.Value);
  if (!/^\d+$/.test(tag.Value) || value < 1 || value > max)
    throw badRequest(
      'InvalidRequestException',
      `The ${key} tag must be a whole number of ${unit} from 1 to ${max}.`,
    );
  return value;
}

/** What a workgroup's tags set: its queries' time limit and how many of them may run at once. */
export function settingsOfTags(
  tags: readonly WorkgroupTag[],
): Pick<WorkgroupRow, 'query_timeout_ms' | 'max_concurrent' | 'tags'> {
  const seconds = wholeNumberTag(tags, TIMEOUT_TAG, MAX_TIMEOUT_SECONDS, 'seconds');
  return {
    query_timeout_ms: seconds === null ? null : seconds * 1000,
    max_concurrent: wholeNumberTag(tags, CONCURRENCY_TAG, MAX_CONCURRENT, 'queries'),
    tags: JSON.stringify(tags),
  };
}
