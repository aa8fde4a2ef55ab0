/**
 * Policy size quotas. IAM counts characters and ignores white space; S3 limits the bucket policy's bytes.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */

export type PolicySizeMeasure = 'characters-without-whitespace' | 'bytes';

export interface PolicySizeLimit {
  readonly limit: number;
  readonly measure: PolicySizeMeasure;
}

const iamLimit = (limit: number): PolicySizeLimit =>
  Object.freeze({ limit, measure: 'characters-without-whitespace' });

/** AWS's default quotas per place a policy is stored. Inline limits are per entity, summed over its policies. */
export const policySizeLimits = Object.freeze({
  managedPolicy: iamLimit(6144),
  inlineUser: iamLimit(2048),
  inlineGroup: iamLimit(5120),
  inlineRole: iamLimit(10240),
  roleTrustPolicy: iamLimit(2048),
  sessionPolicy: iamLimit(2048),
  s3BucketPolicy: Object.freeze({ limit: 20480, measure: 'bytes' }) as PolicySizeLimit,
});

export interface PolicySizeCheck {
  readonly size: number;
  readonly limit: number;
  readonly withinLimit: boolean;
}

/** The size IAM charges a policy: characters (code points) other than space, tab, CR and LF. */
export function policySize(
  text: string,
  measure: PolicySizeMeasure = 'characters-without-whitespace',
): number {
  if (measure === 'bytes') return Buffer.byteLength(text, 'utf8');
  let size = 0;
  for (const char of text) {
    if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r') size++;
  }
  return size;
}

/** Measures a policy against a quota; a bare number is taken as an IAM character quota. */
export function checkPolicySize(text: string, limit: number | PolicySizeLimit): PolicySizeCheck {
  const quota = typeof limit === 'number' ? iamLimit(limit) : limit;
  const size = policySize(text, quota.measure);
  return { size, limit: quota.limit, withinLimit: size <= quota.limit };
}
