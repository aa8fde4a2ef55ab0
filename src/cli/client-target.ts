import { readFile } from 'node:fs/promises';
import { dataDirLayout } from '../data-dir.js';
import { PROFILE } from '../main.js';
import { CliError, type CliIo } from './commands.js';

/** Where a client command sends its requests, and as whom: the data directory's files or the AWS environment. */
const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';
const DEFAULT_REGION = 'ca-west-1';

export interface Target {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Sections of an INI file as the aws cli writes them (`[name]`, then `key = value` lines). */
function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set((header[1] as string).trim(), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return sections;
}

async function readIni(path: string): Promise<Map<string, Map<string, string>>> {
  try {
    return parseIni(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message} (was seawall init run?)`);
  }
}

/** Credentials and region from the files `seawall init` wrote, profile `seawall`. */
export async function targetFromDataDir(dataDir: string): Promise<Omit<Target, 'endpoint'>> {
  const layout = dataDirLayout(dataDir);
  const profile = (await readIni(layout.credentials)).get(PROFILE);
  const accessKeyId = profile?.get('aws_access_key_id');
  const secretAccessKey = profile?.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) {
    throw new CliError(`${layout.credentials} has no [${PROFILE}] access key`);
  }
  const config = (await readIni(layout.awsConfig)).get(`profile ${PROFILE}`);
  return { region: config?.get('region') ?? DEFAULT_REGION, credentials: { accessKeyId, secretAccessKey } };
}

function fromEnvironment(env: CliIo['env']): Omit<Target, 'endpoint'> {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new CliError(
      'no credentials: pass --data-dir DIR, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  }
  const sessionToken = env.AWS_SESSION_TOKEN;
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_REGION,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
  };
}

export async function resolveTarget(
  values: Record<string, string | boolean | undefined>,
  env: CliIo['env'],
): Promise<Target> {
  const flag = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const dataDir = flag('data-dir');
  const access = dataDir ? await targetFromDataDir(dataDir) : fromEnvironment(env);
  const endpoint =
    flag('endpoint-url') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? DEFAULT_ENDPOINT;
  return { ...access, endpoint };
}
