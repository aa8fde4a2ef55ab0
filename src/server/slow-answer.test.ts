import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { endWith } from './slow-answer.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Serves one answer whose body `makeBody` gives, and says how the client saw it end (never hanging). */
async function answerWith(makeBody: () => Promise<Readable>): Promise<{ ended: string; received: number }> {
  server = createServer((_req, res) => {
    void makeBody().then((body) => {
      res.statusCode = 200;
      return endWith(res, body);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => {
    let received = 0;
    const req = request({ port, host: '127.0.0.1', path: '/' }, (res: IncomingMessage) => {
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      res.on('end', () => resolve({ ended: res.complete ? 'complete' : 'aborted', received }));
      res.on('error', () => resolve({ ended: 'aborted', received }));
    });
    req.on('error', () => resolve({ ended: 'refused', received }));
    req.end();
  });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('endWith', () => {
  it('sends a body whole', async () => {
    expect(await answerWith(async () => Readable.from([Buffer.alloc(1000, 1), Buffer.alloc(24, 2)]))).toEqual(
      {
        ended: 'complete',
        received: 1024,
      },
    );
  });

  it('gives the answer up, never leaving it open, when the body failed before it was sent', async () => {
    const errored = await answerWith(async () => {
      const body = new Readable({ read() {} });
      // Its failure was met (and handled) by whoever opened it, before the answer was sent.
      body.on('error', () => {});
      body.destroy(new Error('unreadable'));
      await tick();
      return body;
    });
    expect(errored.ended).not.toBe('complete');
    const destroyed = await answerWith(async () => {
      const body = new Readable({ read() {} });
      body.destroy();
      await tick();
      return body;
    });
    expect(destroyed.ended).not.toBe('complete');
  });

  it('gives the answer up when the body is destroyed halfway, with or without an error', async () => {
    for (const error of [new Error('cut'), undefined]) {
      const cut = await answerWith(async () => {
        const body = new Readable({ read() {} });
        body.push(Buffer.alloc(100, 1));
        setTimeout(() => body.destroy(error), 20);
        return body;
      });
      expect(cut).toEqual({ ended: 'aborted', received: 100 });
    }
  });
});
