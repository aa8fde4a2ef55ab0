import { resolve } from 'node:path';
import { z } from 'zod';

/** Where each setting may come from: a command-line flag, or an environment variable. */
const sources = {
  dataDir: { flag: 'data-dir', env: 'SEAWALL_DATA_DIR' },
  host: { flag: 'host', env: 'SEAWALL_HOST' },
  port: { flag: 'port', env: 'SEAWALL_PORT' },
  tlsCert: { flag: 'tls-cert', env: 'SEAWALL_TLS_CERT' },
  tlsKey: { flag: 'tls-key', env: 'SEAWALL_TLS_KEY' },
  region: { flag: 'region', env: 'SEAWALL_REGION' },
  logLevel: { flag: 'log-level', env: 'SEAWALL_LOG_LEVEL' },
  metadataUrl: { flag: 'metadata-url', env: 'SEAWALL_METADATA_URL' },
  lifecycleDaySeconds: { flag: 'lifecycle-day-seconds', env: 'SEAWALL_LIFECYCLE_DAY_SECONDS' },
  trailDeliverySeconds: { flag: 'trail-delivery-seconds', env: 'SEAWALL_TRAIL_DELIVERY_SECONDS' },
  trailDigestSeconds: { flag: 'trail-digest-seconds', env: 'SEAWALL_TRAIL_DIGEST_SECONDS' },
  coldStorageDir: { flag: 'cold-storage-dir', env: 'SEAWALL_COLD_STORAGE_DIR' },
  coldStorageClass: { flag: 'cold-storage-class', env: 'SEAWALL_COLD_STORAGE_CLASS' },
  snsEndpoints: { flag: 'sns-endpoints', env: 'SEAWALL_SNS_ENDPOINTS' },
  scratchDir: { flag: 'scratch-dir', env: 'SEAWALL_SCRATCH_DIR' },
  alarmEvaluationSeconds: { flag: 'alarm-evaluation-seconds', env: 'SEAWALL_ALARM_EVALUATION_SECONDS' },
  metricsFlushSeconds: { flag: 'metrics-flush-seconds', env: 'SEAWALL_METRICS_FLUSH_SECONDS' },
  rateCard: { flag: 'rate-card', env: 'SEAWALL_RATE_CARD' },
  requestMetrics: { flag: 'request-metrics', env: 'SEAWALL_REQUEST_METRICS' },
  throttleLoopback: { env: 'SEAWALL_THROTTLE_LOOPBACK' },
  scratchBytes: { flag: 'scratch-bytes', env: 'SEAWALL_SCRATCH_BYTES' },
  // The environment only: a secret on the command line would show in the process list.
  rootKey: { env: 'SEAWALL_ROOT_KEY' },
  metricsToken: { env: 'SEAWALL_METRICS_TOKEN' },
  // The SMTP URL may carry a password: the environment only.
  smtpUrl: { env: 'SEAWALL_SMTP_URL' },
  smtpFrom: { flag: 'smtp-from', env: 'SEAWALL_SMTP_FROM' },
  kmsKeyStoreKey: { flag: 'kms-key-store-key', env: 'SEAWALL_KMS_KEY_STORE_KEY' },
  kmsKeyStoreEndpoint: { flag: 'kms-key-store-endpoint', env: 'SEAWALL_KMS_KEY_STORE_ENDPOINT' },
  kmsKeyStoreRegion: { flag: 'kms-key-store-region', env: 'SEAWALL_KMS_KEY_STORE_REGION' },
  kmsKeyStoreCredentials: { flag: 'kms-key-store-credentials', env: 'SEAWALL_KMS_KEY_STORE_CREDENTIALS' },
  kmsKeyStoreProfile: { flag: 'kms-key-store-profile', env: 'SEAWALL_KMS_KEY_STORE_PROFILE' },
  // A flag only, given once per start: a standing acknowledgement in the environment would let a later loss pass.
  acceptLostDatabases: { flag: 'accept-lost-database' },
} as const;

/** The S3 storage classes a colder tier may stand for: those S3 serves at once, without a restore. */
export const COLD_STORAGE_CLASSES = ['STANDARD_IA', 'ONEZONE_IA', 'GLACIER_IR'] as const;

export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

const settingsSchema = z.object({
  // Absolute from here on: what is printed (where the credentials are) must make sense from anywhere.
  dataDir: z
    .string({ error: 'is required (--data-dir DIR or SEAWALL_DATA_DIR)' })
    .min(1)
    .transform((dir) => resolve(dir)),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65_535).default(9000),
  // HTTPS on the same port: a PEM certificate (chain) and its PEM private key, both or neither.
  tlsCert: z
    .string()
    .min(1)
    .transform((file) => resolve(file))
    .optional(),
  tlsKey: z
    .string()
    .min(1)
    .transform((file) => resolve(file))
    .optional(),
  region: z.string().regex(REGION_PATTERN, 'must look like ca-west-1').default('ca-west-1'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  metadataUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (SQLite in the data directory is the default)')
    .optional(),
  // S3's lifecycle day; shortened, lifecycle rules act in seconds (tests, ceph/s3-tests' `rgw lc debug interval`).
  lifecycleDaySeconds: z.coerce.number().positive().max(31_536_000).default(86_400),
  // How often trails deliver log files (CloudTrail: about every 5 minutes) and digests (hourly).
  trailDeliverySeconds: z.coerce.number().positive().max(86_400).default(300),
  trailDigestSeconds: z.coerce.number().positive().max(86_400).default(3600),
  // A second directory for colder bytes (another disk), which lifecycle transitions move objects into.
  coldStorageDir: z
    .string()
    .min(1)
    .transform((dir) => resolve(dir))
    .optional(),
  coldStorageClass: z.enum(COLD_STORAGE_CLASSES).default('STANDARD_IA'),
  // Where SNS may deliver: public addresses only, or `any` (loopback and private networks too).
  snsEndpoints: z.enum(['public', 'any']).default('public'),
  // Where engines read decrypted files and spill: a memory-backed file system, so plaintext never reaches a
  // disk (DESIGN.md, decision 3); and how much plaintext it may hold at once (half its size unless told).
  scratchDir: z
    .string()
    .min(1)
    .transform((dir) => resolve(dir))
    .default('/dev/shm'),
  scratchBytes: z.coerce.number().int().positive().optional(),
  // How often alarms are evaluated (CloudWatch: every minute) and the built-in metrics are written.
  alarmEvaluationSeconds: z.coerce.number().positive().max(3600).default(60),
  metricsFlushSeconds: z.coerce.number().positive().max(3600).default(10),
  // Whether every request is measured into the built-in metrics (AWS/S3, AWS/Usage, Seawall/Platform).
  requestMetrics: z.enum(['on', 'off']).default('on'),
  // Whether failed authentication from this machine (loopback) is throttled too, as from any other address:
  // off by default, for the machine's own scripts and tools; on behind a reverse proxy or tunnel on the same
  // machine, through which every caller arrives from loopback.
  throttleLoopback: z.enum(['on', 'off']).default('off'),
  // The bearer token Prometheus scrapes /_seawall/metrics with; without one, only loopback may (environment only).
  metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  // The SMTP server SNS email subscriptions are delivered through (smtp:// or smtps://, user:password@ if needed).
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  smtpFrom: z.string().email().default('no-reply@sns.seawall.local'),
  // A JSON file of prices (USD) over the default rate card, for AWS/Billing EstimatedCharges.
  rateCard: z
    .string()
    .min(1)
    .transform((file) => resolve(file))
    .optional(),
  // The root key itself (base64 of 32 bytes), instead of the data directory's root.key file.
  rootKey: z
    .string()
    .refine((value) => /^[A-Za-z0-9+/]{43}=$/.test(value), 'must be the base64 of 32 bytes')
    .transform((value) => Buffer.from(value, 'base64'))
    .optional(),
  // An external KMS (the AWS KMS API: AWS itself, or another Seawall) whose key wraps KMS key material.
  kmsKeyStoreKey: z
    .string()
    .regex(
      /^(arn:aws:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+|alias\/.+|[0-9a-f-]{36})$/,
      'must be a KMS key ARN, id or alias',
    )
    .optional(),
  kmsKeyStoreEndpoint: z.url({ protocol: /^https?$/ }).optional(),
  kmsKeyStoreRegion: z.string().regex(REGION_PATTERN, 'must look like ca-west-1').optional(),
  // A credentials file in the aws cli's format and a profile in it; the AWS SDK's default chain otherwise.
  kmsKeyStoreCredentials: z
    .string()
    .min(1)
    .transform((file) => resolve(file))
    .optional(),
  kmsKeyStoreProfile: z.string().min(1).optional(),
  // Databases the operator knows are lost, with no backup to restore them from: this start begins each afresh
  // and empty (data-dir-databases.ts, whose SERVED_DATABASES these are; not imported, since it loads the
  // database drivers and a command's help must not).
  acceptLostDatabases: z
    .array(
      z.enum(['audit.db', 'metrics.db', 'logs.db'], { error: 'must be audit.db, metrics.db or logs.db' }),
    )
    .default([]),
});

const configSchema = settingsSchema.superRefine(
  (config, ctx) => {
    if ((config.tlsCert === undefined) === (config.tlsKey === undefined)) return;
    const [missing, given] =
      config.tlsCert === undefined ? ['tlsCert', '--tls-key'] : ['tlsKey', '--tls-cert'];
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: `is required with ${given} (give both or neither)`,
    });
  },
  // Also when other settings are wrong: every problem is reported at once.
  { when: () => true },
);

export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof typeof sources;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Builds the configuration from flags (which win) and the environment, validating everything at once so
 * that every problem is reported together.
 */
/**
 * The configuration a command's parsed flags give (each setting by its `--flag`, whichever of them the command
 * declares), over the environment.
 */
export function configFrom(
  values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>,
  env: Record<string, string | undefined>,
): Config {
  const flags: Partial<Record<ConfigKey, string | readonly string[]>> = {};
  for (const [key, source] of Object.entries(sources)) {
    const value = 'flag' in source ? values[source.flag] : undefined;
    // A repeatable flag (`multiple`) is every value given, in order.
    if (typeof value === 'string') flags[key as ConfigKey] = value;
    else if (Array.isArray(value)) flags[key as ConfigKey] = value.map(String);
  }
  return loadConfig(flags, env);
}

export function loadConfig(
  flags: Partial<Record<ConfigKey, string | readonly string[] | undefined>>,
  env: Record<string, string | undefined>,
): Config {
  const raw: Record<string, string | readonly string[]> = {};
  for (const [key, source] of Object.entries(sources)) {
    const value = flags[key as ConfigKey] ?? ('env' in source ? env[source.env] : undefined);
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '') as ConfigKey;
      const source: { flag?: string; env?: string } | undefined = sources[key];
      const name = source ? (source.flag ? `--${source.flag}` : source.env) : key;
      return `${name} ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
