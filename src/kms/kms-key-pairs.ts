import { generateKeyPair } from 'node:crypto';
import { DataKeyPairSpec as KmsDataKeyPairSpecs } from '@aws-sdk/client-kms';
import { AppError } from '../errors.js';
import { unsupported } from './kms-service.js';
import { missing, notInEnum } from './kms-validation.js';

/**
 * The data key pairs of GenerateDataKeyPair: made here for use outside KMS, the public key as DER
 * SubjectPublicKeyInfo and the private key as DER PKCS#8, as KMS returns them.
 */

/** DataKeyPairSpec's values in KMS's API model, as the SDK lists them: any other is a ValidationException. */
const DATA_KEY_PAIR_SPECS: readonly string[] = Object.values(KmsDataKeyPairSpecs);

/** What node:crypto makes for each spec Seawall makes. */
const MADE = {
  RSA_2048: { type: 'rsa', modulusLength: 2048 },
  RSA_3072: { type: 'rsa', modulusLength: 3072 },
  RSA_4096: { type: 'rsa', modulusLength: 4096 },
  ECC_NIST_P256: { type: 'ec', namedCurve: 'prime256v1' },
  ECC_NIST_P384: { type: 'ec', namedCurve: 'secp384r1' },
  ECC_NIST_P521: { type: 'ec', namedCurve: 'secp521r1' },
  ECC_SECG_P256K1: { type: 'ec', namedCurve: 'secp256k1' },
  ECC_NIST_EDWARDS25519: { type: 'ed25519' },
} as const;

export type DataKeyPairSpec = keyof typeof MADE;

const ENCODING = {
  publicKeyEncoding: { type: 'spki', format: 'der' },
  privateKeyEncoding: { type: 'pkcs8', format: 'der' },
} as const;

/**
 * A KeyPairSpec member: required, one of the model's values, and one Seawall makes. SM2 is offered only in the
 * China Regions (KMS's API reference), and refused elsewhere as KMS refuses a key spec the Region does not offer
 * (UnsupportedOperationException); ML-KEM pairs are refused because this Node.js cannot make them.
 */
export function dataKeyPairSpec(spec: string | undefined, region: string): DataKeyPairSpec {
  if (spec === undefined) throw missing('KeyPairSpec');
  if (!DATA_KEY_PAIR_SPECS.includes(spec)) throw notInEnum('keyPairSpec', spec, DATA_KEY_PAIR_SPECS);
  if (spec === 'SM2' && !region.startsWith('cn-'))
    throw unsupported('KeyPairSpec SM2 is not supported in this Region');
  if (!(spec in MADE))
    throw unsupported(`KeyPairSpec ${spec} is not supported by Seawall: only RSA, ECC and Ed25519 pairs.`);
  return spec as DataKeyPairSpec;
}

/**
 * Work done at most `atOnce` at a time: up to `waitingAtMost` more calls wait their turn, in order; past them a call
 * is refused with `refusal()` at once.
 */
export function takingTurns(atOnce: number, waitingAtMost: number, refusal: () => Error) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async function inTurn<T>(work: () => Promise<T>): Promise<T> {
    if (running >= atOnce) {
      if (waiting.length >= waitingAtMost) throw refusal();
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else running++;
    try {
      return await work();
    } finally {
      // The turn passes to the next waiter, or is given back.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * Key pairs are made one at a time, off the event loop but on the thread pool every file read and write shares
 * (an RSA 4096 pair is seconds of a core), so callers asking for many cannot hold the pool: eight wait their turn,
 * the rest get KMS's throttling answer, which SDKs retry.
 */
const inTurn = takingTurns(1, 8, () => new AppError('ThrottlingException', 400, 'Rate exceeded'));

/** A new key pair of the spec: its public key (DER SubjectPublicKeyInfo) and private key (DER PKCS#8). */
export function generateDataKeyPair(
  spec: DataKeyPairSpec,
): Promise<{ publicKey: Buffer; privateKey: Buffer }> {
  return inTurn(() => makeKeyPair(spec));
}

function makeKeyPair(spec: DataKeyPairSpec): Promise<{ publicKey: Buffer; privateKey: Buffer }> {
  const made = MADE[spec];
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: Buffer, privateKey: Buffer) =>
      error ? reject(error) : resolve({ publicKey, privateKey });
    if (made.type === 'rsa')
      generateKeyPair(
        'rsa',
        { modulusLength: made.modulusLength, publicExponent: 0x10001, ...ENCODING },
        done,
      );
    else if (made.type === 'ec') generateKeyPair('ec', { namedCurve: made.namedCurve, ...ENCODING }, done);
    else generateKeyPair('ed25519', ENCODING, done);
  });
}
