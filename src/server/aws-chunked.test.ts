import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { signingKey } from './sigv4.js';

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html: 66,560 bytes of 'a' in 64 KiB chunks.
const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const SIGNATURES = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];

function documentedBody(): Buffer {
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${SIGNATURES[0]}\r\n`),
    Buffer.alloc(65536, 'a'),
    Buffer.from(`\r\n400;chunk-signature=${SIGNATURES[1]}\r\n`),
    Buffer.alloc(1024, 'a'),
    Buffer.from(`\r\n0;chunk-signature=${SIGNATURES[2]}\r\n\r\n`),
  ]);
}

function signedDecoder(decodedLength?: number): AwsChunkedDecoder {
  return new AwsChunkedDecoder({
    trailer: false,
    ...(decodedLength === undefined ? {} : { decodedLength }),
    signing: {
      key: signingKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1', 's3'),
      amzDate: '20130524T000000Z',
      scope: '20130524/us-east-1/s3/aws4_request',
      seedSignature: SEED,
    },
  });
}

async function decode(decoder: AwsChunkedDecoder, body: Buffer, slice: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += slice) pieces.push(body.subarray(i, i + slice));
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(pieces).pipe(decoder)) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

describe('aws-chunked decoding', () => {
  it("verifies AWS's documented signed chunks however the bytes are split", async () => {
    for (const slice of [1 << 20, 65_536, 4099, 7]) {
      const out = await decode(signedDecoder(66_560), documentedBody(), slice);
      expect(out.equals(Buffer.alloc(66_560, 'a'))).toBe(true);
    }
  });

  it('fails on a tampered byte, a wrong length, a truncated body or trailing garbage', async () => {
    const tampered = documentedBody();
    tampered[200] = 'b'.charCodeAt(0);
    await expect(decode(signedDecoder(), tampered, 8192)).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    await expect(decode(signedDecoder(66_561), documentedBody(), 8192)).rejects.toMatchObject({
      code: 'IncompleteBody',
    });
    const body = documentedBody();
    await expect(decode(signedDecoder(), body.subarray(0, body.length - 60), 8192)).rejects.toMatchObject({
      code: 'IncompleteBody',
    });
    await expect(
      decode(signedDecoder(), Buffer.concat([body, Buffer.from('junk')]), 8192),
    ).rejects.toMatchObject({ code: 'IncompleteBody' });
  });

  it('decodes unsigned chunks with a checksum trailer and refuses hostile framing', async () => {
    const body = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
    const decoder = new AwsChunkedDecoder({ trailer: true, decodedLength: 11 });
    expect((await decode(decoder, body, 3)).toString()).toBe('hello world');
    expect(decoder.trailers).toEqual({ 'x-amz-checksum-crc32': 'DUoRhQ==' });
    const hostile = [
      'zz\r\nhello\r\n0\r\n\r\n',
      `${'f'.repeat(17)}\r\n`,
      `5;${'x'.repeat(5000)}\r\nhello\r\n0\r\n\r\n`,
      '5\r\nhelloEXTRA\r\n0\r\n\r\n',
      '0\r\nno-colon-here\r\n\r\n',
    ];
    for (const text of hostile) {
      await expect(
        decode(new AwsChunkedDecoder({ trailer: true }), Buffer.from(text), 64),
      ).rejects.toMatchObject({ code: 'IncompleteBody' });
    }
    const unsignedButSigned = new AwsChunkedDecoder({
      trailer: false,
      signing: { key: Buffer.alloc(32), amzDate: 'x', scope: 'y', seedSignature: SEED },
    });
    await expect(decode(unsignedButSigned, Buffer.from('5\r\nhello\r\n0\r\n\r\n'), 64)).rejects.toMatchObject(
      { code: 'SignatureDoesNotMatch' },
    );
  });
});
