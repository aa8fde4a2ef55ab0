import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors.js';
import { queryResponseXml } from '../lib/aws-query.js';
import type { ApiResponse } from '../lib/http.js';
import { requestId } from '../lib/ids.js';
import { SNS_PROTOCOL } from './sns-api.js';
import type { SnsService } from './sns-service.js';

/** A SubscribeURL's confirmation, and who asked for it: what the route does (and the audit trail records). */
export interface Confirmation {
  /** The request id the answer carries. */
  readonly requestId: string;
  readonly topicArn: string | null;
  readonly token: string | null;
  readonly sourceIp: string;
  readonly userAgent: string;
}

/** Confirms a subscription (ConfirmSubscription's checks and effect); answers its ARN. */
export type ConfirmSubscription = (confirmation: Confirmation) => Promise<string>;

/** ConfirmSubscription itself: both parameters are required. */
export function confirmingWith(sns: Pick<SnsService, 'confirm'>): ConfirmSubscription {
  return async ({ topicArn, token }) => {
    if (!topicArn || !token) throw new AppError('InvalidParameter', 400, 'Invalid parameter: Token');
    return sns.confirm(topicArn, token);
  };
}

/**
 * `GET /_seawall/sns/confirm-subscription?TopicArn=…&Token=…`: a subscription's SubscribeURL. As SNS's does,
 * it needs no signature: the token, sent only to the endpoint, is the proof. Answers ConfirmSubscription's
 * response document.
 */
export function createConfirmSubscriptionRoute(confirm: ConfirmSubscription) {
  return async (req: IncomingMessage): Promise<ApiResponse> => {
    const id = requestId();
    const query = new URL(req.url ?? '/', 'http://seawall').searchParams;
    try {
      if (req.method !== 'GET')
        throw new AppError('MethodNotAllowed', 405, 'Only GET confirms a subscription');
      const arn = await confirm({
        requestId: id,
        topicArn: query.get('TopicArn'),
        token: query.get('Token'),
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: req.headers['user-agent'] ?? '',
      });
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: queryResponseXml('ConfirmSubscription', SNS_PROTOCOL.namespace, { SubscriptionArn: arn }, id),
      };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${SNS_PROTOCOL.namespace}"><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${error.message.replace(/[<>&]/g, '')}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
      };
    }
  };
}
