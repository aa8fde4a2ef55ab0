import { homedir } from 'node:os';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { loadConfig } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { dataDirLayout, PROFILE } from '../data-dir.js';
import { describeHolder, readLockHolder } from '../data-dir-lock.js';
import { CliError, type CliIo } from './commands.js';

/**
 * Where a client command sends its requests, and as whom, resolved the way the AWS tools do it: the SDK's
 * own credential providers and shared-file loader read the profiles, never a parser of ours.
 *
 * - credentials: `--data-dir DIR` (its own files, profile `seawall`), else `--profile NAME` or AWS_PROFILE
 *   (the shared files, with everything the SDK supports there), else AWS_ACCESS_KEY_ID and
 *   AWS_SECRET_ACCESS_KEY, else the rest of the SDK's default chain;
 * - region: the data directory's config for `--data-dir`, else AWS_REGION (or AWS_DEFAULT_REGION), else the
 *   profile's region, else ca-west-1;
 * - endpoint: `--endpoint-url`, else the endpoint the server running on `--data-dir` recorded, else
 *   AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL or the profile's endpoint_url, else 127.0.0.1:9000.
 *
 * Settings come from the given environment, which is the process's own outside tests.
 */
const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';
const DEFAULT_REGION = 'ca-west-1';

export type Service = 'athena' | 's3';
type Env = CliIo['env'];
type Values = Record<string, string | boolean | undefined>;

export interface Target {
  endpoint: string;
  region: string;
  credentials: AwsCredentialIdentity;
}

/** The shared credentials and config files and the profile to read from them. */
interface SharedFiles {
  profile: string;
  filepath: string;
  configFilepath: string;
  ignoreCache: true;
}

function userFiles(env: Env, profile: string | undefined): SharedFiles {
  const home = env.HOME || env.USERPROFILE || homedir();
  return {
    profile: profile ?? 'default',
    filepath: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
    configFilepath: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    ignoreCache: true,
  };
}

function dataDirFiles(dataDir: string): SharedFiles {
  const layout = dataDirLayout(dataDir);
  return {
    profile: PROFILE,
    filepath: layout.credentials,
    configFilepath: layout.awsConfig,
    ignoreCache: true,
  };
}

async function credentialsFrom(provider: AwsCredentialIdentityProvider, missing: string) {
  try {
    return await provider();
  } catch (error) {
    const reason = ((error as Error).message ?? '').split('\n')[0];
    throw new CliError(`${missing}${reason ? ` (${reason})` : ''}`);
  }
}

/** A setting from the environment first, else from the profile in the shared files. */
function setting<T>(
  files: SharedFiles,
  fromEnv: () => T | undefined,
  fromProfile: (
    profile: Record<string, string | undefined>,
    config?: Record<string, unknown>,
  ) => T | undefined,
  fallback: T,
): Promise<T> {
  return loadConfig<T>(
    {
      environmentVariableSelector: () => fromEnv(),
      configFileSelector: (profile, config) =>
        fromProfile(profile, config as Record<string, unknown> | undefined),
      default: fallback,
    },
    files,
  )();
}

/** AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, or the profile's (or its services section's) endpoint_url. */
async function configuredEndpoint(env: Env, files: SharedFiles, service: Service) {
  const ignore = await setting(
    files,
    () => env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
    (profile) => profile.ignore_configured_endpoint_urls,
    'false',
  );
  if (ignore.toLowerCase() === 'true') return undefined;
  return setting<string | undefined>(
    files,
    () => env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL || undefined,
    (profile, config) => {
      const section = profile.services ? config?.[`services.${profile.services}`] : undefined;
      const forService = (section as Record<string, string> | undefined)?.[`${service}.endpoint_url`];
      return forService ?? profile.endpoint_url;
    },
    undefined,
  );
}

/** Credentials and region from the files `seawall init` wrote into a data directory, profile `seawall`. */
export async function targetFromDataDir(dataDir: string): Promise<Omit<Target, 'endpoint'>> {
  const files = dataDirFiles(dataDir);
  const credentials = await credentialsFrom(
    fromIni(files),
    `no [${PROFILE}] access key in ${files.filepath}; run: seawall init --data-dir ${dataDir}`,
  );
  const region = await setting(
    files,
    () => undefined,
    (profile) => profile.region,
    DEFAULT_REGION,
  );
  return { credentials, region };
}

function fromUserEnvironment(env: Env, profile: string | undefined) {
  if (profile) {
    // A named profile wins over keys in the environment, as in the SDK's own chain.
    return credentialsFrom(
      defaultProvider(userFiles(env, profile)),
      `no credentials for profile ${profile} in the AWS shared credentials or config file`,
    );
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN;
    return Promise.resolve({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
  }
  return credentialsFrom(
    defaultProvider(userFiles(env, undefined)),
    'no credentials: pass --data-dir DIR or --profile NAME, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  );
}

/**
 * `--endpoint-url`, else where the server running on the data directory answers, else an endpoint from the
 * environment; a data directory nobody serves is a one-line error rather than a wait on a dead port.
 */
async function dataDirEndpoint(dataDir: string, env: Env, service: Service, explicit?: string) {
  if (explicit) return explicit;
  const running = await readLockHolder(dataDirLayout(dataDir).lock);
  if (running?.holder.endpoint) return running.holder.endpoint;
  const configured = await configuredEndpoint(env, dataDirFiles(dataDir), service);
  if (configured) return configured;
  if (running) {
    throw new CliError(
      `Seawall on ${dataDir} is still starting (${describeHolder(running.holder)}); try again`,
    );
  }
  throw new CliError(
    `no Seawall is running on ${dataDir}; start one with: seawall serve --data-dir ${dataDir} (or npm start), or give --endpoint-url URL`,
  );
}

export async function resolveTarget(values: Values, env: Env, service: Service): Promise<Target> {
  const flag = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const dataDir = flag('data-dir');
  const explicit = flag('endpoint-url');
  if (dataDir) {
    if (flag('profile')) throw new CliError('give --data-dir or --profile, not both');
    const access = await targetFromDataDir(dataDir);
    return { ...access, endpoint: await dataDirEndpoint(dataDir, env, service, explicit) };
  }
  const profile = flag('profile') ?? (env.AWS_PROFILE || undefined);
  const files = userFiles(env, profile);
  const credentials = await fromUserEnvironment(env, profile);
  const region = await setting(
    files,
    () => env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    (section) => section.region,
    DEFAULT_REGION,
  );
  const endpoint = explicit ?? (await configuredEndpoint(env, files, service)) ?? DEFAULT_ENDPOINT;
  return { credentials, region, endpoint };
}
