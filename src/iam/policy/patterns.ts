/**
 * Wildcard matching for actions, resources and Like/Arn conditions, with policy variables.
 * A pattern compiles to character codes: a code >= 0 is a literal, `star` and `one` are wildcards. Text
 * substituted from a variable is always literal, so a user name holding `*` matches only itself.
 */

/** Looks a condition key up for `${key}`; undefined when missing or multivalued. */
export type VariableResolver = (key: string) => string | undefined;

const star = -1;
const one = -2;

export interface CompileOptions {
  /** Where `*` and `?` in the policy text are wildcards (Like, Arn, Action, Resource). */
  readonly glob: boolean;
  readonly ignoreCase: boolean;
  /** Absent in Version 2008-10-17 policies, where `${...}` is literal text. */
  readonly variables?: VariableResolver | undefined;
}

const specials: Readonly<Record<string, string>> = { '*': '*', '?': '?', $: '$' };

function pushText(codes: number[], text: string, options: CompileOptions, literal: boolean): void {
  const source = options.ignoreCase ? text.toLowerCase() : text;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (!literal && options.glob && c === 0x2a) codes.push(star);
    else if (!literal && options.glob && c === 0x3f) codes.push(one);
    else codes.push(c);
  }
}

/** `${name}` or `${name, 'default'}`; undefined when the key cannot be resolved. */
function resolveVariable(inner: string, variables: VariableResolver): string | undefined {
  const special = specials[inner];
  if (special !== undefined) return special;
  const m = /^\s*([^,]+?)\s*(?:,\s*'([^']*)'\s*)?$/.exec(inner);
  if (m === null) return undefined;
  return variables(m[1] ?? '') ?? m[2];
}

/** Compiles a policy string; undefined when a variable in it cannot be resolved, so it matches nothing. */
export function compilePattern(raw: string, options: CompileOptions): number[] | undefined {
  const codes: number[] = [];
  const { variables } = options;
  let pos = 0;
  while (pos < raw.length) {
    const open = variables === undefined ? -1 : raw.indexOf('${', pos);
    const close = open === -1 ? -1 : raw.indexOf('}', open + 2);
    if (open === -1 || close === -1 || variables === undefined) {
      pushText(codes, raw.slice(pos), options, false);
      break;
    }
    pushText(codes, raw.slice(pos, open), options, false);
    const value = resolveVariable(raw.slice(open + 2, close), variables);
    if (value === undefined) return undefined;
    pushText(codes, value, options, true);
    pos = close + 1;
  }
  return codes;
}

/** Iterative wildcard match with one backtrack point: linear in practice, never exponential. */
export function matchCodes(codes: readonly number[], subject: string, ignoreCase: boolean): boolean {
  const text = ignoreCase ? subject.toLowerCase() : subject;
  let p = 0;
  let s = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (s < text.length) {
    const code = codes[p];
    if (code !== undefined && (code === one || code === text.charCodeAt(s))) {
      p++;
      s++;
    } else if (code === star) {
      starAt = p++;
      resumeAt = s;
    } else if (starAt !== -1) {
      p = starAt + 1;
      s = ++resumeAt;
    } else {
      return false;
    }
  }
  while (codes[p] === star) p++;
  return p === codes.length;
}

/** Glob match without variables, for actions and principal-free checks. */
export function globMatch(pattern: string, subject: string, ignoreCase: boolean): boolean {
  const codes = compilePattern(pattern, { glob: true, ignoreCase });
  return codes !== undefined && matchCodes(codes, subject, ignoreCase);
}

/** Splits on colons outside `${...}`, keeping everything after the fifth colon as the resource part. */
function arnComponents(raw: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < raw.length && parts.length < 5; i++) {
    if (raw.startsWith('${', i)) depth++;
    else if (raw[i] === '}' && depth > 0) depth--;
    else if (raw[i] === ':' && depth === 0) {
      parts.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(raw.slice(start));
  return parts;
}

/**
 * ARN matching as ArnLike and the Resource element do it: each of the six colon-delimited components is
 * matched on its own, so a wildcard cannot swallow a colon before the resource part.
 */
export function matchArn(pattern: string, subject: string, variables: VariableResolver | undefined): boolean {
  const options = { glob: true, ignoreCase: false, variables };
  const subjectParts = arnComponents(subject);
  if (pattern === '*' || subjectParts.length < 6) {
    const codes = compilePattern(pattern, options);
    return codes !== undefined && matchCodes(codes, subject, false);
  }
  const patternParts = arnComponents(pattern);
  while (patternParts.length < 6) patternParts.push('*');
  return patternParts.every((part, i) => {
    const codes = compilePattern(part, options);
    return codes !== undefined && matchCodes(codes, subjectParts[i] ?? '', false);
  });
}
