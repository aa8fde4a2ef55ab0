import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { GlueClient } from '@aws-sdk/client-glue';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Session } from '../session.js';

export interface AwsClients {
  glue: GlueClient;
  athena: AthenaClient;
  sts: STSClient;
  cloudtrail: CloudTrailClient;
  /** What every client is made with, for a view that makes its own (loaded only when it is opened). */
  config: ClientConfig;
}

export interface ClientConfig {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * The console talks to the server that served it, with the same APIs and SigV4 signatures as any script:
 * the secret only ever leaves the tab as a signature.
 */
export function createClients(session: Session): AwsClients {
  const config: ClientConfig = {
    region: session.region,
    endpoint: window.location.origin,
    credentials: {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      ...(session.sessionToken ? { sessionToken: session.sessionToken } : {}),
    },
  };
  return {
    glue: new GlueClient(config),
    athena: new AthenaClient(config),
    sts: new STSClient(config),
    cloudtrail: new CloudTrailClient(config),
    config,
  };
}

export function destroyClients(clients: AwsClients): void {
  clients.glue.destroy();
  clients.athena.destroy();
  clients.sts.destroy();
  clients.cloudtrail.destroy();
}

/** Who the keys sign as; every principal may ask (sts:GetCallerIdentity needs no permission). */
export async function callerArn(sts: STSClient): Promise<string> {
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  return identity.Arn ?? '';
}

/** AWS's own message for a refused call (e.g. SignatureDoesNotMatch), else whatever the error says. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message.trim();
    const name = error.name && error.name !== 'Error' ? error.name : '';
    if (message === '' || message === 'UnknownError') return name || 'The request failed.';
    return name && !message.startsWith(name) ? `${name}: ${message}` : message;
  }
  return String(error);
}
