import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { HttpLimits } from './connection-guards.js';

/** The PEM certificate chain and private key HTTPS is served with. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** TLS 1.0 and 1.1 are deprecated (RFC 8996); AWS's endpoints take 1.2 at least too. */
const MIN_TLS_VERSION = 'TLSv1.2';

const notCertificate = (file: string) => new Error(`the TLS certificate ${file} is not a PEM certificate`);
const notKey = (file: string) => new Error(`the TLS key ${file} is not a PEM private key`);

async function readPem(file: string, what: string, marker: RegExp, wrong: (file: string) => Error) {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(
      `the TLS ${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  // Node's TLS takes PEM only, where the parsers below would take DER too.
  if (!marker.test(bytes.toString('latin1'))) throw wrong(file);
  return bytes;
}

function privateKeyOf(key: Buffer, file: string): KeyObject {
  try {
    return createPrivateKey(key);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE')
      throw new Error(`the TLS key ${file} is encrypted; give Seawall the key without a passphrase`);
    throw notKey(file);
  }
}

/**
 * Reads and checks what `--tls-cert` and `--tls-key` name, at start-up rather than at the first handshake:
 * each must be PEM, the key must be the certificate's, and OpenSSL must accept them together. Errors name the
 * file and say what is wrong with it; they never show its bytes.
 */
export async function readTlsCredentials(certFile: string, keyFile: string): Promise<TlsCredentials> {
  const cert = await readPem(certFile, 'certificate', /-----BEGIN CERTIFICATE-----/, notCertificate);
  const key = await readPem(keyFile, 'key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/, notKey);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw notCertificate(certFile);
  }
  if (!certificate.checkPrivateKey(privateKeyOf(key, keyFile)))
    throw new Error(`the TLS key ${keyFile} is not the private key of the certificate ${certFile}`);
  try {
    createSecureContext({ cert, key, minVersion: MIN_TLS_VERSION });
  } catch (error) {
    // OpenSSL's reason ("ee key too small"…), which quotes nothing of the files.
    throw new Error(
      `the TLS certificate ${certFile} and key ${keyFile} cannot be used: ${(error as Error).message}`,
    );
  }
  return { cert, key };
}

/**
 * The options an HTTPS server adds to the HTTP ones: the credentials, TLS 1.2 at least, and a handshake that
 * must finish within the time a plain connection has for its headers, so a client that connects and never
 * completes the handshake holds nothing for long (the header timeout starts only once it has).
 */
export function tlsServerOptions(credentials: TlsCredentials, limits: HttpLimits): ServerOptions {
  return {
    cert: credentials.cert,
    key: credentials.key,
    minVersion: MIN_TLS_VERSION,
    handshakeTimeout: limits.headersTimeoutMs,
  };
}
