import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  type: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, string>;
}

/**
 * An HTTP endpoint on loopback, as an SNS subscriber runs one: answers each POST with the next of `statuses`
 * (then 200) and records what it was sent.
 */
export async function webhook(statuses: number[] = []) {
  const received: ReceivedMessage[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on('end', () => {
      received.push({
        type: req.headers['x-amz-sns-message-type'] as string | undefined,
        headers: req.headers,
        body: JSON.parse(text) as Record<string, string>,
      });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    received,
    /** Waits (up to 10 s) until `count` messages have arrived; answers all that have. */
    async waitFor(count: number): Promise<ReceivedMessage[]> {
      for (let i = 0; i < 400 && received.length < count; i++) await new Promise((r) => setTimeout(r, 25));
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
