import { badRequest } from '../errors.js';

/**
 * The LocationConstraint values S3 knows: the regions that hold buckets, and `EU`, the legacy name of
 * eu-west-1. S3 tells a name it does not know (InvalidLocationConstraint) from a region that is not the
 * endpoint's (IllegalLocationConstraintException), so Seawall needs the list to answer as it does.
 */
const KNOWN_CONSTRAINTS: ReadonlySet<string> = new Set([
  'EU',
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-west-1',
  'us-west-2',
]);

const US_EAST_1 = 'us-east-1';

/** Whether a name is an AWS Region that holds buckets (`EU` is a constraint, no region). */
export function isBucketRegion(name: string): boolean {
  return name !== 'EU' && KNOWN_CONSTRAINTS.has(name);
}

function invalidConstraint(location: string) {
  return badRequest('InvalidLocationConstraint', 'The specified location-constraint is not valid', {
    LocationConstraint: location.slice(0, 64),
  });
}

/**
 * Checks a CreateBucketConfiguration's LocationConstraint against the region of the endpoint it was sent to.
 * us-east-1 is never named (its buckets are made without a constraint), a name S3 does not know is invalid,
 * and any other region than the endpoint's is illegal there. An absent or empty constraint is not judged.
 */
export function checkLocationConstraint(location: string | undefined, region: string): void {
  if (location === undefined || location === '') return;
  if (location === US_EAST_1 && region === US_EAST_1) throw invalidConstraint(location);
  if (location === region) return;
  if (!KNOWN_CONSTRAINTS.has(location)) throw invalidConstraint(location);
  throw badRequest(
    'IllegalLocationConstraintException',
    `The ${location.slice(0, 64)} location constraint is incompatible for the region specific endpoint this request was sent to.`,
  );
}
