import { AppError, notFound } from '../errors.js';
import type { ApiRequest, ApiResponse } from '../lib/http.js';
import {
  type Operation,
  type OperationRequest,
  type RequestHead,
  registerOperations,
  type ServiceEndpoint,
} from '../lib/operation.js';
import { toXml } from '../lib/xml.js';
import { publicAccessBlockElements, readPublicAccessBlock } from './s3-bucket-access-api.js';
import { readXmlBody } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

const S3_CONTROL_NAMESPACE = 'http://awss3control.amazonaws.com/doc/2018-08-20/';
const PUBLIC_ACCESS_BLOCK_PATH = '/v20180820/configuration/publicAccessBlock';

/**
 * Whether a request signed for `s3` is one of the S3 Control API's: its paths all start with the API's
 * version, and every operation names its account in `x-amz-account-id`. Without the header the path names a
 * bucket called v20180820, which S3 allows.
 */
export function isS3ControlRequest(req: Pick<ApiRequest, 'rawPath' | 'headers'>): boolean {
  return req.rawPath.startsWith('/v20180820/') && req.headers['x-amz-account-id'] !== undefined;
}

/** The account a request names must be the caller's: S3 Control answers any other with AccessDenied. */
function callerAccount(req: OperationRequest): string {
  const account = req.headers['x-amz-account-id'];
  if (account !== req.principal.accountId) throw new AppError('AccessDenied', 403, 'Access Denied');
  return account;
}

function noSuchPublicAccessBlock(): AppError {
  return notFound(
    'NoSuchPublicAccessBlockConfiguration',
    'The public access block configuration was not found',
  );
}

type ControlOperation = Operation<undefined, string> & { readonly method: string };

/** An S3 Control operation on the account the request names; the actions name no resource (`*`). */
function defineControl(
  name: string,
  action: string,
  method: string,
  handle: (accountId: string, req: OperationRequest) => Promise<ApiResponse>,
): ControlOperation {
  return {
    service: 's3',
    name,
    action,
    method,
    decode: (_raw, req) => callerAccount(req),
    resources: () => ['*'],
    handle,
  };
}

/**
 * The account-level Block Public Access operations: S3 Control's PutPublicAccessBlock, GetPublicAccessBlock
 * and DeletePublicAccessBlock, named as CloudTrail names them, apart from S3's bucket-level ones.
 */
function controlOperations(storage: StorageService): ControlOperation[] {
  const { accounts } = storage;
  return [
    defineControl(
      'PutAccountPublicAccessBlock',
      's3:PutAccountPublicAccessBlock',
      'PUT',
      async (account, req) => {
        const block = readPublicAccessBlock(await readXmlBody(req));
        await accounts.putPublicAccessBlock(account, block);
        return { status: 200 };
      },
    ),
    defineControl('GetAccountPublicAccessBlock', 's3:GetAccountPublicAccessBlock', 'GET', async (account) => {
      const block = await accounts.getPublicAccessBlock(account);
      if (!block) throw noSuchPublicAccessBlock();
      return {
        status: 200,
        headers: { 'content-type': 'application/xml' },
        body: toXml('PublicAccessBlockConfiguration', publicAccessBlockElements(block), S3_CONTROL_NAMESPACE),
      };
    }),
    // S3 checks PutAccountPublicAccessBlock for removing the block too; there is no Delete action.
    defineControl(
      'DeleteAccountPublicAccessBlock',
      's3:PutAccountPublicAccessBlock',
      'DELETE',
      async (account) => {
        await accounts.deletePublicAccessBlock(account);
        return { status: 200 };
      },
    ),
  ];
}

/**
 * S3 with the S3 Control API beside it. Clients sign S3 Control requests for `s3` too (and send them to
 * `{AccountId}.` before the endpoint's host), so one endpoint serves both: a request is S3 Control's when
 * `isS3ControlRequest` says so, whatever its Host.
 */
export function withS3Control(s3: ServiceEndpoint, storage: StorageService): ServiceEndpoint {
  const control = registerOperations('s3', controlOperations(storage));
  return {
    protocol: s3.protocol,
    operations: [...s3.operations, ...control],
    async crossOriginHeaders(req: RequestHead) {
      // S3 Control's requests name an account, not a bucket: no bucket's CORS rules answer for them.
      if (isS3ControlRequest(req) || !s3.crossOriginHeaders) return {};
      return s3.crossOriginHeaders(req);
    },
    async resolve(req: OperationRequest) {
      if (!isS3ControlRequest(req)) return s3.resolve(req);
      const path = req.rawPath.split('?')[0];
      if (path !== PUBLIC_ACCESS_BLOCK_PATH)
        throw new AppError(
          'NotImplemented',
          501,
          'This S3 Control operation is not implemented by this server.',
        );
      const operation = control.find((op) => op.method === req.method);
      if (!operation)
        throw new AppError(
          'MethodNotAllowed',
          405,
          'The specified method is not allowed against this resource.',
        );
      return { operation, raw: undefined };
    },
  };
}
