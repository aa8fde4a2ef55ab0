import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FormParseError, readFormHead } from './multipart-form.js';

const B = 'b0undary';
const isFile = (name: string) => name === 'file';
const head = `--${B}\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--${B}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n\r\n`;

describe('readFormHead', () => {
  it('passes the file on as it arrives: no piece it yields is much larger than a chunk', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const chunks = 160;
    async function* source() {
      yield Buffer.from(head);
      for (let i = 0; i < chunks; i++) yield chunk;
      yield Buffer.from(`\r\n--${B}--\r\n`);
    }
    const form = await readFormHead(source(), B, { maxHeadBytes: 1024, isFile });
    expect(form.fields).toEqual([{ name: 'key', value: 'k' }]);
    expect(form.file.filename).toBe('f.bin');
    let total = 0;
    let largest = 0;
    for await (const piece of form.file.body) {
      total += (piece as Buffer).length;
      largest = Math.max(largest, (piece as Buffer).length);
    }
    expect(total).toBe(chunk.length * chunks);
    expect(largest).toBeLessThanOrEqual(chunk.length + B.length + 4);
  });

  it('finds delimiters that arrive a byte at a time, split across every chunk boundary', async () => {
    async function* source() {
      for (const byte of Buffer.from(`${head}data\r\n--${B}--\r\n`)) yield Buffer.from([byte]);
    }
    const form = await readFormHead(source(), B, { maxHeadBytes: 1024, isFile });
    expect(form.fields).toEqual([{ name: 'key', value: 'k' }]);
    const bytes: Buffer[] = [];
    for await (const piece of form.file.body) bytes.push(piece as Buffer);
    expect(Buffer.concat(bytes).toString()).toBe('data');
  });

  it('stops reading at the file: what follows it is never pulled from the source', async () => {
    let pulled = 0;
    async function* source() {
      pulled++;
      yield Buffer.from(`${head}data\r\n--${B}\r\n`);
      pulled++;
      throw new Error('read past the file');
    }
    const form = await readFormHead(source(), B, { maxHeadBytes: 1024, isFile });
    const bytes: Buffer[] = [];
    for await (const piece of form.file.body) bytes.push(piece as Buffer);
    expect(Buffer.concat(bytes).toString()).toBe('data');
    expect(pulled).toBe(1);
  });

  it('refuses an endless preamble or header at its bound, without reading on', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.alloc(1000, 0x78);
      }
    }
    await expect(readFormHead(endless(), B, { maxHeadBytes: 20 * 1024, isFile })).rejects.toMatchObject({
      failure: 'tooLarge',
    });
    expect(pulled).toBeLessThanOrEqual(22);
    const headers = `--${B}\r\nContent-Disposition: form-data; name="a"\r\nX-Long: ${'y'.repeat(30_000)}`;
    await expect(
      readFormHead(Readable.from([Buffer.from(headers)]), B, { maxHeadBytes: 20 * 1024, isFile }),
    ).rejects.toBeInstanceOf(FormParseError);
  });

  it('takes whitespace after a boundary, parts without headers are malformed, and RFC 5987 filenames', async () => {
    const spaced = `--${B}  \t\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''%E2%82%AC.txt\r\n\r\nx\r\n--${B}--`;
    const form = await readFormHead(Readable.from([Buffer.from(spaced)]), B, { maxHeadBytes: 1024, isFile });
    expect(form.file.filename).toBe('€.txt');
    const bare = `--${B}\r\n\r\nvalue\r\n--${B}--`;
    await expect(
      readFormHead(Readable.from([Buffer.from(bare)]), B, { maxHeadBytes: 1024, isFile }),
    ).rejects.toMatchObject({
      failure: 'malformed',
    });
    const glued = `--${B}x\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n--${B}--`;
    await expect(
      readFormHead(Readable.from([Buffer.from(glued)]), B, { maxHeadBytes: 1024, isFile }),
    ).rejects.toMatchObject({
      failure: 'malformed',
    });
  });
});
