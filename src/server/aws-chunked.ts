import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../errors.js';
import { ALGORITHM, authError, EMPTY_SHA256, hmacHex, signaturesEqual } from './sigv4.js';

/** How to check chunk signatures: present for STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER). */
export interface ChunkSigning {
  key: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

export interface AwsChunkedOptions {
  signing?: ChunkSigning;
  /** Whether trailing headers follow the last chunk (the *-TRAILER payload types). */
  trailer: boolean;
  /** x-amz-decoded-content-length, when sent. */
  decodedLength?: number;
}

const MAX_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const CHUNK_HEADER = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

function incomplete(message: string): AppError {
  return new AppError('IncompleteBody', 400, message);
}

/**
 * Decodes an `aws-chunked` body (S3's streaming upload framing), verifying every chunk signature and the
 * trailer signature as the bytes pass, and collecting trailing headers such as x-amz-checksum-crc32.
 * A failure ends the stream with an error, so nothing downstream commits a half-verified body.
 */
export class AwsChunkedDecoder extends Transform {
  /** Null prototype: a trailer named `__proto__` is data like any other. */
  readonly trailers: Record<string, string> = Object.create(null);
  /** The trailer lines in the order sent, which is the order they are signed in. */
  private readonly trailerLines: string[] = [];
  private state: State = 'size';
  private line: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private chunkSignature: string | undefined;
  private previousSignature: string | undefined;
  private chunkHash: Hash | undefined;
  private decoded = 0;
  private trailerBytes = 0;
  private trailerSignature: string | undefined;

  constructor(private readonly options: AwsChunkedOptions) {
    super();
    this.previousSignature = options.signing?.seedSignature;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    // Some clients leave out the blank line after the trailers; everything else must be complete.
    if (this.state === 'trailer' && this.line.length === 0) this.finish();
    if (this.state !== 'done') {
      callback(incomplete('The request body ended before the final aws-chunked chunk.'));
      return;
    }
    callback();
  }

  private consume(input: Buffer): void {
    let offset = 0;
    while (offset < input.length) {
      switch (this.state) {
        case 'data': {
          const take = Math.min(this.remaining, input.length - offset);
          const piece = input.subarray(offset, offset + take);
          this.chunkHash?.update(piece);
          this.push(piece);
          this.remaining -= take;
          offset += take;
          if (this.remaining === 0) this.state = 'data-end';
          break;
        }
        case 'done':
          if (input.subarray(offset).some((b) => b !== 0x0d && b !== 0x0a)) {
            throw incomplete('Unexpected bytes after the final aws-chunked chunk.');
          }
          return;
        default: {
          const newline = input.indexOf(0x0a, offset);
          const end = newline < 0 ? input.length : newline + 1;
          this.line =
            this.line.length === 0
              ? input.subarray(offset, end)
              : Buffer.concat([this.line, input.subarray(offset, end)]);
          offset = end;
          if (this.line.length > MAX_LINE) throw incomplete('An aws-chunked chunk header is too long.');
          if (newline >= 0) {
            const text = this.line.toString('latin1').replace(/\r?\n$/, '');
            this.line = Buffer.alloc(0);
            this.onLine(text);
          }
        }
      }
    }
  }

  private onLine(text: string): void {
    switch (this.state) {
      case 'size':
        this.onChunkHeader(text);
        return;
      case 'data-end':
        if (text !== '') throw incomplete('An aws-chunked chunk is longer than its declared size.');
        this.verifyChunk();
        this.state = 'size';
        return;
      case 'trailer':
        this.onTrailerLine(text);
        return;
      default:
        return;
    }
  }

  private onChunkHeader(text: string): void {
    const match = CHUNK_HEADER.exec(text);
    if (!match) throw incomplete('An aws-chunked chunk header is malformed.');
    const size = Number.parseInt(match[1] as string, 16);
    if (this.options.signing && !match[2])
      throw authError('SignatureDoesNotMatch', 'An aws-chunked chunk has no chunk-signature.');
    this.chunkSignature = match[2];
    this.decoded += size;
    if (this.options.decodedLength !== undefined && this.decoded > this.options.decodedLength) {
      throw incomplete('The aws-chunked body is longer than x-amz-decoded-content-length.');
    }
    if (this.options.signing) this.chunkHash = createHash('sha256');
    if (size > 0) {
      this.remaining = size;
      this.state = 'data';
      return;
    }
    this.verifyChunk();
    if (this.options.decodedLength !== undefined && this.decoded !== this.options.decodedLength) {
      throw incomplete(
        `You did not provide the number of bytes specified by x-amz-decoded-content-length (${this.options.decodedLength}); got ${this.decoded}.`,
      );
    }
    this.state = this.options.trailer ? 'trailer' : 'done';
  }

  private verifyChunk(): void {
    const signing = this.options.signing;
    if (!signing) return;
    const dataHash = this.chunkHash ? this.chunkHash.digest('hex') : EMPTY_SHA256;
    this.chunkHash = undefined;
    const text = `${ALGORITHM}-PAYLOAD\n${signing.amzDate}\n${signing.scope}\n${this.previousSignature}\n${EMPTY_SHA256}\n${dataHash}`;
    const expected = hmacHex(signing.key, text);
    if (!this.chunkSignature || !signaturesEqual(expected, this.chunkSignature)) {
      throw authError(
        'SignatureDoesNotMatch',
        'The chunk signature we calculated does not match the signature you provided.',
      );
    }
    this.previousSignature = this.chunkSignature;
  }

  private onTrailerLine(text: string): void {
    if (text === '') {
      this.finish();
      return;
    }
    this.trailerBytes += text.length;
    if (this.trailerBytes > MAX_TRAILER_BYTES) throw incomplete('The aws-chunked trailer is too long.');
    const colon = text.indexOf(':');
    if (colon <= 0) throw incomplete('An aws-chunked trailer line is malformed.');
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') this.trailerSignature = value;
    else {
      this.trailers[name] = value;
      this.trailerLines.push(`${name}:${value}\n`);
    }
  }

  private finish(): void {
    const signing = this.options.signing;
    if (signing) {
      // Not from the trailers record: its key order puts integer-like names first.
      const hash = createHash('sha256').update(this.trailerLines.join('')).digest('hex');
      const text = `${ALGORITHM}-TRAILER\n${signing.amzDate}\n${signing.scope}\n${this.previousSignature}\n${hash}`;
      if (!this.trailerSignature || !signaturesEqual(hmacHex(signing.key, text), this.trailerSignature)) {
        throw authError(
          'SignatureDoesNotMatch',
          'The trailer signature we calculated does not match the signature you provided.',
        );
      }
    }
    this.state = 'done';
  }
}
