import { errorMessage } from './clients.js';

/** What went wrong, said plainly; `denied` when a policy refused it, so the page can say so apart. */
export interface Failure {
  message: string;
  denied: boolean;
}

// AWS's wording: "User: <arn> is not authorized to perform: <action> on resource: <arn> because …".
const DENIAL = /User: (\S+) is not authorized to perform: (\S+) on resource: "?([^"\s]+)"?/;

/** The principal as a person reads it: `user/analyst`, `assumed-role/reader/session`, `root`. */
export function principalName(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource === '' ? arn : resource;
}

/** "You (user/analyst) are not allowed to run glue:GetTables on arn:…", from a denial's message. */
export function deniedSentence(text: string): string | undefined {
  const match = DENIAL.exec(text);
  if (!match) return undefined;
  const [, who = '', action = '', resource = ''] = match;
  const on = resource === '*' ? '' : ` on ${resource}`;
  return `You (${principalName(who)}) are not allowed to run ${action}${on}.`;
}

export function failureOf(error: unknown): Failure {
  const name = error instanceof Error ? error.name : '';
  const message = errorMessage(error);
  const sentence = deniedSentence(message);
  if (sentence) return { message: sentence, denied: true };
  if (name === 'AccessDenied' || name === 'AccessDeniedException')
    return { message: `You are not allowed to do this: ${message}`, denied: true };
  return { message, denied: false };
}
