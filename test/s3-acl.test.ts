import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failure, failureOf } from './helpers/failure.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { allowPublic, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

let t: TestSeawall;
let s3: S3Client;
let owner: string;
/** An IAM user of the account with no policies of its own: only what grants name everyone reaches it. */
let nobody: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  owner = t.credentials.accountId;
  const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  await iam.send(new CreateUserCommand({ UserName: 'nobody' }));
  // Allowed nothing but a harmless action, so its identity side is not empty.
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'nobody',
      PolicyName: 'none',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
      }),
    }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' }));
  iam.destroy();
  nobody = t.s3({
    credentials: {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    },
  });
});
afterAll(async () => {
  nobody.destroy();
  await t.close();
});

/** An unsigned request: the anonymous caller. */
async function anonymous(path: string, init: RequestInit = {}): Promise<number> {
  const response = await fetch(`${t.url}/${path}`, init);
  await response.arrayBuffer();
  return response.status;
}

async function ownershipOf(bucket: string): Promise<string | undefined> {
  const out = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }));
  return out.OwnershipControls?.Rules?.[0]?.ObjectOwnership;
}

describe('Object Ownership', () => {
  it('defaults to BucketOwnerEnforced, is set at creation, replaced and deleted', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'own-default' }));
    expect(await ownershipOf('own-default')).toBe('BucketOwnerEnforced');
    await s3.send(new CreateBucketCommand({ Bucket: 'own-writer', ObjectOwnership: 'ObjectWriter' }));
    expect(await ownershipOf('own-writer')).toBe('ObjectWriter');
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: 'own-writer',
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      }),
    );
    expect(await ownershipOf('own-writer')).toBe('BucketOwnerPreferred');
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'own-writer' }));
    expect(await failure(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'own-writer' })))).toEqual({
      code: 'OwnershipControlsNotFoundError',
      status: 404,
    });
    expect(
      await failure(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'no-such-bucket' }))),
    ).toEqual({ code: 'NoSuchBucket', status: 404 });
  });

  it('a bucket created with the private ACL and no ownership is BucketOwnerPreferred, as S3 makes it', async () => {
    // What rclone's `mkdir` sends by default; rclone then writes objects with `x-amz-acl: private` too.
    await s3.send(new CreateBucketCommand({ Bucket: 'own-private', ACL: 'private' }));
    expect(await ownershipOf('own-private')).toBe('BucketOwnerPreferred');
    await s3.send(new PutObjectCommand({ Bucket: 'own-private', Key: 'k', Body: 'v', ACL: 'private' }));
    // ACLs are on: the object's ACL is the private one that was sent, and can be changed.
    await s3.send(new PutObjectAclCommand({ Bucket: 'own-private', Key: 'k', ACL: 'bucket-owner-read' }));
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'own-private', Key: 'k' }));
    expect(acl.Grants).toEqual([
      {
        Grantee: expect.objectContaining({ ID: owner, Type: 'CanonicalUser' }),
        Permission: 'FULL_CONTROL',
      },
    ]);
    // Named together, the ownership asked for stays: ACLs disabled, the private ACL accepted.
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'own-private-enforced',
        ACL: 'private',
        ObjectOwnership: 'BucketOwnerEnforced',
      }),
    );
    expect(await ownershipOf('own-private-enforced')).toBe('BucketOwnerEnforced');
    expect(
      await failure(s3.send(new CreateBucketCommand({ Bucket: 'own-public-default', ACL: 'public-read' }))),
    ).toEqual({ code: 'InvalidBucketAclWithObjectOwnership', status: 400 });
    // Only the canned `private` does it: the owner's full control granted by header leaves ACLs disabled.
    await s3.send(new CreateBucketCommand({ Bucket: 'own-granted', GrantFullControl: `id="${owner}"` }));
    expect(await ownershipOf('own-granted')).toBe('BucketOwnerEnforced');
    expect(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: 'own-granted', Key: 'k', Body: 'v', ACL: 'private' })),
      ),
    ).toEqual({ code: 'AccessControlListNotSupported', status: 400 });
  });

  it('cannot be enforced while the bucket ACL grants others, nor created so', async () => {
    expect(
      await failure(
        s3.send(
          new CreateBucketCommand({
            Bucket: 'own-bad',
            ACL: 'public-read',
            ObjectOwnership: 'BucketOwnerEnforced',
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidBucketAclWithObjectOwnership', status: 400 });
    // A new bucket blocks public ACLs: the public one is put once that block is off.
    await s3.send(new CreateBucketCommand({ Bucket: 'own-public', ObjectOwnership: 'ObjectWriter' }));
    await allowPublic(s3, 'own-public');
    await s3.send(new PutBucketAclCommand({ Bucket: 'own-public', ACL: 'public-read' }));
    const enforce = () =>
      s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket: 'own-public',
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        }),
      );
    expect(await failure(enforce())).toEqual({ code: 'InvalidBucketAclWithObjectOwnership', status: 400 });
    await s3.send(new PutBucketAclCommand({ Bucket: 'own-public', ACL: 'private' }));
    await enforce();
    expect(await ownershipOf('own-public')).toBe('BucketOwnerEnforced');
  });

  it('a public bucket ACL is refused at creation, which blocks public access, and put once the block is deleted', async () => {
    const Bucket = 'own-born-public';
    expect(
      await failureOf(
        s3.send(new CreateBucketCommand({ Bucket, ACL: 'public-read', ObjectOwnership: 'ObjectWriter' })),
      ),
    ).toEqual({
      code: 'InvalidBucketAclWithBlockPublicAccessError',
      status: 400,
      message: 'Bucket cannot have public ACLs set with BlockPublicAccess enabled',
    });
    // Refused, no bucket was made.
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket })))).toEqual({
      code: 'NotFound',
      status: 404,
    });
    // As S3 documents: create the bucket without the ACL, delete its Block Public Access, then put the ACL.
    await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership: 'ObjectWriter' }));
    expect(await failure(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })))).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
    const put = await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    const acl = await s3.send(new GetBucketAclCommand({ Bucket }));
    expect(acl.Grants).toContainEqual({ Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' });
    expect(await anonymous(Bucket)).toBe(200);
  });
});

describe('ACLs disabled (BucketOwnerEnforced)', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-off' }));
    await s3.send(new PutObjectCommand({ Bucket: 'acl-off', Key: 'k', Body: 'x' }));
  });

  it('reads answer the owner full control; no bucket ACL may be put, an object ACL only as the owner full control', async () => {
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: 'acl-off' }));
    expect(acl.Owner?.ID).toBe(owner);
    expect(acl.Grants).toEqual([
      { Grantee: { Type: 'CanonicalUser', ID: owner, DisplayName: owner }, Permission: 'FULL_CONTROL' },
    ]);
    expect(
      await failure(s3.send(new PutBucketAclCommand({ Bucket: 'acl-off', ACL: 'public-read' }))),
    ).toEqual({
      code: 'AccessControlListNotSupported',
      status: 400,
    });
    expect(await failure(s3.send(new PutBucketAclCommand({ Bucket: 'acl-off', ACL: 'private' })))).toEqual({
      code: 'AccessControlListNotSupported',
      status: 400,
    });
    const ownerOnly = {
      Owner: { ID: owner },
      Grants: [
        { Grantee: { Type: 'CanonicalUser' as const, ID: owner }, Permission: 'FULL_CONTROL' as const },
      ],
    };
    expect(
      await failure(s3.send(new PutBucketAclCommand({ Bucket: 'acl-off', AccessControlPolicy: ownerOnly }))),
    ).toEqual({ code: 'AccessControlListNotSupported', status: 400 });
    expect(
      await failure(s3.send(new PutObjectAclCommand({ Bucket: 'acl-off', Key: 'k', ACL: 'private' }))),
    ).toEqual({ code: 'AccessControlListNotSupported', status: 400 });
    await s3.send(new PutObjectAclCommand({ Bucket: 'acl-off', Key: 'k', ACL: 'bucket-owner-full-control' }));
    const objectAcl = await s3.send(new GetObjectAclCommand({ Bucket: 'acl-off', Key: 'k' }));
    expect(objectAcl.Grants?.map((g) => g.Permission)).toEqual(['FULL_CONTROL']);
    expect(await anonymous('acl-off/k')).toBe(403);
  });
});

describe('ACLs in force (ObjectWriter)', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-on', ObjectOwnership: 'ObjectWriter' }));
    // These tests grant everyone by ACL: the bucket's Block Public Access, on from its creation, is turned off.
    await allowPublic(s3, 'acl-on');
    await s3.send(new PutObjectCommand({ Bucket: 'acl-on', Key: 'private', Body: 'p' }));
    await s3.send(new PutObjectCommand({ Bucket: 'acl-on', Key: 'public', Body: 'q', ACL: 'public-read' }));
  });

  it('a public-read object is readable by anyone, a private one by no one else', async () => {
    expect(await anonymous('acl-on/public')).toBe(200);
    expect(await anonymous('acl-on/private')).toBe(403);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'acl-on', Key: 'public' }));
    expect(acl.Grants).toContainEqual({ Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' });
    expect(
      (await nobody.send(new GetObjectCommand({ Bucket: 'acl-on', Key: 'public' }))).$metadata.httpStatusCode,
    ).toBe(200);
    expect(
      await failure(nobody.send(new GetObjectCommand({ Bucket: 'acl-on', Key: 'private' }))),
    ).toMatchObject({
      code: 'AccessDenied',
    });
  });

  it('a request naming a version is judged by that version’s ACL, and supplies s3:versionid', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-by-version', ObjectOwnership: 'ObjectWriter' }));
    await allowPublic(s3, 'acl-by-version');
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'acl-by-version',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const open = await s3.send(
      new PutObjectCommand({ Bucket: 'acl-by-version', Key: 'doc', Body: 'old', ACL: 'public-read' }),
    );
    const closed = await s3.send(new PutObjectCommand({ Bucket: 'acl-by-version', Key: 'doc', Body: 'new' }));
    expect(await anonymous('acl-by-version/doc')).toBe(403);
    expect(await anonymous(`acl-by-version/doc?versionId=${closed.VersionId}`)).toBe(403);
    expect(await anonymous(`acl-by-version/doc?versionId=${open.VersionId}`)).toBe(200);
    // A bucket policy can single a version out by s3:versionid.
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'acl-by-version',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:GetObjectVersion',
              Resource: 'arn:aws:s3:::acl-by-version/doc',
              Condition: { StringEquals: { 's3:versionid': open.VersionId } },
            },
          ],
        }),
      }),
    );
    expect(await anonymous(`acl-by-version/doc?versionId=${open.VersionId}`)).toBe(403);
  });

  it('a bucket ACL grants listing, and public-read-write grants anonymous writes', async () => {
    expect(await anonymous('acl-on')).toBe(403);
    await s3.send(new PutBucketAclCommand({ Bucket: 'acl-on', ACL: 'public-read' }));
    expect(await anonymous('acl-on')).toBe(200);
    expect(await anonymous('acl-on/anon', { method: 'PUT', body: 'a' })).toBe(403);
    await s3.send(new PutBucketAclCommand({ Bucket: 'acl-on', ACL: 'public-read-write' }));
    expect(await anonymous('acl-on/anon', { method: 'PUT', body: 'a' })).toBe(200);
    // Writing an object grants no reading of it.
    expect(await anonymous('acl-on/anon')).toBe(403);
    await s3.send(new PutBucketAclCommand({ Bucket: 'acl-on', ACL: 'private' }));
    expect(await anonymous('acl-on')).toBe(403);
  });

  it('a key that is not there is 404 to a caller the bucket ACL lets list, 403 to one it does not', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-gone', ObjectOwnership: 'ObjectWriter' }));
    await allowPublic(s3, 'acl-gone');
    await s3.send(new PutObjectCommand({ Bucket: 'acl-gone', Key: 'private', Body: 'p' }));
    expect(await anonymous('acl-gone/missing')).toBe(403);
    expect(await anonymous('acl-gone/missing', { method: 'HEAD' })).toBe(403);
    await s3.send(new PutBucketAclCommand({ Bucket: 'acl-gone', ACL: 'public-read' }));
    // Listing reveals what a 404 tells: S3 answers NoSuchKey to whoever may list the bucket at the key.
    const response = await fetch(`${t.url}/acl-gone/missing`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('<Code>NoSuchKey</Code>');
    expect(await anonymous('acl-gone/missing', { method: 'HEAD' })).toBe(404);
    expect(
      await anonymous('acl-gone/missing?attributes', { headers: { 'x-amz-object-attributes': 'ETag' } }),
    ).toBe(404);
    expect(
      await failure(nobody.send(new GetObjectCommand({ Bucket: 'acl-gone', Key: 'missing' }))),
    ).toMatchObject({ code: 'NoSuchKey' });
    // A key whose current version is a delete marker: a plain 404, naming no version.
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'acl-gone', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'acl-gone', Key: 'deleted', Body: 'd' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'acl-gone', Key: 'deleted' }));
    const marker = await fetch(`${t.url}/acl-gone/deleted`);
    expect(marker.status).toBe(404);
    expect(await marker.text()).toContain('<Code>NoSuchKey</Code>');
    expect(marker.headers.get('x-amz-version-id')).toBeNull();
    expect(marker.headers.get('x-amz-delete-marker')).toBeNull();
    // A key that is there stays the object ACL's to grant; a version named stays 403.
    expect(await anonymous('acl-gone/private')).toBe(403);
    expect(await anonymous('acl-gone/missing?versionId=null')).toBe(403);
    await s3.send(new PutBucketAclCommand({ Bucket: 'acl-gone', ACL: 'private' }));
    expect(await anonymous('acl-gone/missing')).toBe(403);
    // Denied the read and the listing, the caller is told of the read.
    expect(
      await failureOf(nobody.send(new GetObjectCommand({ Bucket: 'acl-gone', Key: 'missing' }))),
    ).toMatchObject({ code: 'AccessDenied', message: expect.stringContaining('s3:GetObject') });
  });

  it('authenticated-read reaches signed callers of any identity, not anonymous ones', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'acl-on', Key: 'signed', Body: 's', ACL: 'authenticated-read' }),
    );
    expect(await anonymous('acl-on/signed')).toBe(403);
    const out = await nobody.send(new GetObjectCommand({ Bucket: 'acl-on', Key: 'signed' }));
    expect(await out.Body?.transformToString()).toBe('s');
  });

  it('grants by header and by AccessControlPolicy document', async () => {
    await s3.send(
      new PutObjectAclCommand({ Bucket: 'acl-on', Key: 'private', GrantRead: `uri="${ALL_USERS}"` }),
    );
    expect(await anonymous('acl-on/private')).toBe(200);
    await s3.send(
      new PutObjectAclCommand({
        Bucket: 'acl-on',
        Key: 'private',
        AccessControlPolicy: {
          Owner: { ID: owner },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: owner }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'Group', URI: AUTHENTICATED }, Permission: 'READ' },
          ],
        },
      }),
    );
    expect(await anonymous('acl-on/private')).toBe(403);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'acl-on', Key: 'private' }));
    expect(acl.Grants).toEqual([
      { Grantee: { Type: 'CanonicalUser', ID: owner, DisplayName: owner }, Permission: 'FULL_CONTROL' },
      { Grantee: { Type: 'Group', URI: AUTHENTICATED }, Permission: 'READ' },
    ]);
  });

  it('refuses grantees S3 cannot resolve and documents off its schema', async () => {
    const put = (input: Record<string, unknown>) =>
      failure(s3.send(new PutObjectAclCommand({ Bucket: 'acl-on', Key: 'private', ...input })));
    expect(await put({ GrantRead: 'emailAddress="someone@example.com"' })).toEqual({
      code: 'UnresolvableGrantByEmailAddress',
      status: 400,
    });
    expect(await put({ GrantRead: 'id="not-an-account"' })).toEqual({ code: 'InvalidArgument', status: 400 });
    expect(await put({ GrantRead: 'uri="http://example.com/everyone"' })).toEqual({
      code: 'InvalidArgument',
      status: 400,
    });
    expect(await put({ ACL: 'public-read', GrantRead: `uri="${ALL_USERS}"` })).toEqual({
      code: 'InvalidRequest',
      status: 400,
    });
    expect(
      await put({
        AccessControlPolicy: {
          Owner: { ID: owner },
          Grants: [{ Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'ALL' }],
        },
      }),
    ).toEqual({ code: 'MalformedACLError', status: 400 });
    expect(
      await put({
        AccessControlPolicy: { Owner: { ID: '111122223333' }, Grants: [] },
      }),
    ).toEqual({ code: 'AccessDenied', status: 403 });
  });

  it('reads an indented AccessControlPolicy document as the SDK’s compact one', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'acl-on', Key: 'indented', Body: 'i' }));
    expect(await anonymous('acl-on/indented')).toBe(403);
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner>
    <ID>${owner}</ID>
  </Owner>
  <AccessControlList>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">
        <URI>${ALL_USERS}</URI>
      </Grantee>
      <Permission>READ</Permission>
    </Grant>
  </AccessControlList>
</AccessControlPolicy>
`;
    const path = '/acl-on/indented';
    const headers = await signedHeaders(t, {
      method: 'PUT',
      path,
      query: { acl: '' },
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const answer = await rawRequest(t.url, {
      method: 'PUT',
      path: `${path}?acl=`,
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      body,
    });
    expect(answer.status, answer.body).toBe(200);
    expect(await anonymous('acl-on/indented')).toBe(200);
  });

  it('a bucket policy that denies wins over an ACL that grants', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'acl-on', Key: 'denied', Body: 'd', ACL: 'public-read' }));
    expect(await anonymous('acl-on/denied')).toBe(200);
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'acl-on',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::acl-on/denied',
            },
          ],
        }),
      }),
    );
    expect(await anonymous('acl-on/denied')).toBe(403);
    expect(await anonymous('acl-on/public')).toBe(200);
  });

  it('Block Public Access: IgnorePublicAcls discards public grants, BlockPublicAcls refuses them', async () => {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: 'acl-on',
        PublicAccessBlockConfiguration: { IgnorePublicAcls: true },
      }),
    );
    expect(await anonymous('acl-on/public')).toBe(403);
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: 'acl-on',
        PublicAccessBlockConfiguration: { BlockPublicAcls: true },
      }),
    );
    expect(await anonymous('acl-on/public')).toBe(200);
    expect(
      await failure(
        s3.send(new PutObjectAclCommand({ Bucket: 'acl-on', Key: 'private', ACL: 'public-read' })),
      ),
    ).toEqual({ code: 'AccessDenied', status: 403 });
    expect(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: 'acl-on', Key: 'new', Body: 'n', ACL: 'public-read' })),
      ),
    ).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await failure(s3.send(new PutBucketAclCommand({ Bucket: 'acl-on', ACL: 'public-read' })))).toEqual(
      {
        code: 'AccessDenied',
        status: 403,
      },
    );
    await s3.send(new PutObjectAclCommand({ Bucket: 'acl-on', Key: 'private', ACL: 'private' }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'acl-on' }));
  });

  it('each version has its own ACL', async () => {
    await s3.send(
      new CreateBucketCommand({ Bucket: 'acl-versions', ObjectOwnership: 'BucketOwnerPreferred' }),
    );
    await allowPublic(s3, 'acl-versions');
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'acl-versions',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const first = await s3.send(new PutObjectCommand({ Bucket: 'acl-versions', Key: 'v', Body: '1' }));
    await s3.send(new PutObjectCommand({ Bucket: 'acl-versions', Key: 'v', Body: '2' }));
    const put = await s3.send(
      new PutObjectAclCommand({
        Bucket: 'acl-versions',
        Key: 'v',
        VersionId: first.VersionId,
        ACL: 'public-read',
      }),
    );
    expect(put.$metadata.httpStatusCode).toBe(200);
    const old = await s3.send(
      new GetObjectAclCommand({ Bucket: 'acl-versions', Key: 'v', VersionId: first.VersionId }),
    );
    expect(old.Grants).toHaveLength(2);
    const current = await s3.send(new GetObjectAclCommand({ Bucket: 'acl-versions', Key: 'v' }));
    expect(current.Grants).toHaveLength(1);
    expect(await anonymous('acl-versions/v')).toBe(403);
  });

  it('IAM actions and the s3:x-amz-acl condition key decide who may change ACLs', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-iam', ObjectOwnership: 'ObjectWriter' }));
    // Off, so what refuses the public ACL below is the policy's deny, not Block Public Access.
    await allowPublic(s3, 'acl-iam');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'acl-iam', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket: 'acl-iam', Key: 'k', Body: 'x' }));
    const denial = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a denial');
    };
    expect(await denial(nobody.send(new GetObjectAclCommand({ Bucket: 'acl-iam', Key: 'k' })))).toContain(
      's3:GetObjectAcl on resource',
    );
    expect(
      await denial(
        nobody.send(new GetObjectAclCommand({ Bucket: 'acl-iam', Key: 'k', VersionId: put.VersionId })),
      ),
    ).toContain('s3:GetObjectVersionAcl on resource');
    expect(await denial(nobody.send(new GetBucketOwnershipControlsCommand({ Bucket: 'acl-iam' })))).toContain(
      's3:GetBucketOwnershipControls on resource',
    );
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'acl-iam',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObjectAcl',
              Resource: 'arn:aws:s3:::acl-iam/*',
              Condition: { StringEquals: { 's3:x-amz-acl': 'public-read' } },
            },
          ],
        }),
      }),
    );
    expect(
      await failure(s3.send(new PutObjectAclCommand({ Bucket: 'acl-iam', Key: 'k', ACL: 'public-read' }))),
    ).toEqual({ code: 'AccessDenied', status: 403 });
    await s3.send(new PutObjectAclCommand({ Bucket: 'acl-iam', Key: 'k', ACL: 'authenticated-read' }));
  });

  it('the aws cli sets an object ACL and the object becomes public', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'acl-on', Key: 'cli', Body: 'c' }));
    expect(await anonymous('acl-on/cli')).toBe(403);
    const out = await awsCli(t.dataDir, t.url, [
      's3api',
      'put-object-acl',
      '--bucket',
      'acl-on',
      '--key',
      'cli',
      '--acl',
      'public-read',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(await anonymous('acl-on/cli')).toBe(200);
    const shown = await awsCli(t.dataDir, t.url, [
      's3api',
      'get-object-acl',
      '--bucket',
      'acl-on',
      '--key',
      'cli',
    ]);
    expect(JSON.parse(shown.stdout).Grants).toContainEqual({
      Grantee: { Type: 'Group', URI: ALL_USERS },
      Permission: 'READ',
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'acl-on', Prefix: 'cli' }));
    expect(listed.KeyCount).toBe(1);
  });
});
