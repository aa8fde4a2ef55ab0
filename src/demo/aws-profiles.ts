import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';

/**
 * The aws cli's shared files (`credentials`, `config`) as text: read a section, set one. Other sections,
 * comments and their order are kept as they are, so profiles a person added by hand survive.
 */

const HEADER = /^\s*\[\s*([^\]]+?)\s*\]\s*$/;

function sectionBounds(lines: readonly string[], name: string): { start: number; end: number } | undefined {
  const start = lines.findIndex((line) => HEADER.exec(line)?.[1] === name);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !HEADER.test(lines[end] as string)) end++;
  return { start, end };
}

/** The `key = value` pairs of section `[name]`, undefined when there is none. */
export function iniSection(text: string, name: string): Record<string, string> | undefined {
  const lines = text.split('\n');
  const bounds = sectionBounds(lines, name);
  if (!bounds) return undefined;
  const values: Record<string, string> = {};
  for (const line of lines.slice(bounds.start + 1, bounds.end)) {
    const match = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) values[match[1] as string] = match[2] as string;
  }
  return values;
}

/** The text with section `[name]` holding exactly `values`: replaced where it was, else appended. */
export function setIniSection(text: string, name: string, values: Readonly<Record<string, string>>): string {
  const section = [`[${name}]`, ...Object.entries(values).map(([key, value]) => `${key} = ${value}`)];
  const lines = text === '' ? [] : text.replace(/\n+$/, '').split('\n');
  const bounds = sectionBounds(lines, name);
  if (bounds) lines.splice(bounds.start, bounds.end - bounds.start, ...section, '');
  else lines.push(...(lines.length > 0 ? [''] : []), ...section);
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** A file's text, '' when it does not exist. */
export async function readTextIfAny(path: string): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/**
 * Replaces a file that holds secrets: a new 0600 file renamed over the old one, so a reader never sees half
 * of it and the secrets are never readable by others, not even for a moment.
 */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
  try {
    await fs.chmod(temporary, 0o600);
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
