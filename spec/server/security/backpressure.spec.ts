import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { FetchLike } from '../../../lib';
import { drained, sseHeaders } from '../../helpers/loopback';
import { request } from '../../helpers/sse';
import { closeAll, FLAVOURS, PATH, setUp, sleep, until, type RelayServer } from '../harness';

// The attack: clients that ask for a long answer and never read it (or read
// it a byte at a time), so that the relay holds the whole answer for each of
// them, or keeps their connection, and its upstream request, open forever.

const DELTA_TEXT = 'x'.repeat(1000);
/** A long answer as SSE: about `mib` MiB of content deltas. */
function longAnswer(mib: number): { head: string; deltas: number; delta: string; tail: string } {
  const deltas = Math.ceil((mib * 1024 * 1024) / 1100);
  return {
    head:
      'event: message-start\ndata: {"type":"message-start","id":"long","delta":{"message":{"role":"assistant"}}}\n\n' +
      'event: content-start\ndata: {"type":"content-start","index":0,"delta":{"message":{"content":{"type":"text","text":""}}}}\n\n',
    deltas,
    delta: `event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"${DELTA_TEXT}"}}}}\n\n`,
    tail:
      'event: content-end\ndata: {"type":"content-end","index":0}\n\n' +
      'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"COMPLETE"}}\n\n',
  };
}

/** An upstream streaming `answer` as fast as its socket takes it, with TCP backpressure. */
function streaming(answer: ReturnType<typeof longAnswer>) {
  return async (_req: unknown, res: ServerResponse): Promise<void> => {
    res.writeHead(200, sseHeaders);
    res.write(answer.head);
    for (let i = 0; i < answer.deltas; i++) {
      if (res.destroyed) return;
      if (!res.write(answer.delta)) await drained(res);
    }
    res.end(answer.tail);
  };
}

/** The relay's own fetch, counting the upstream body bytes the relay has read (pulled one read at a time). */
function countingFetch(): { fetch: FetchLike; pulled: () => number } {
  let pulled = 0;
  const fetchLike: FetchLike = async (url, init) => {
    const response = await fetch(url, init);
    const reader = response.body!.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          pulled += value.byteLength;
          controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: fetchLike, pulled: () => pulled };
}

/** A client that posts a chat and reads nothing until told. */
function lazyClient(relay: RelayServer): { socket: Socket; text(): string; resume(): void; ended: Promise<void> } {
  const { port, hostname } = new URL(relay.url);
  const socket = connect(Number(port), hostname);
  const body = JSON.stringify(request);
  const chunks: string[] = [];
  let resolveEnd: () => void = () => {};
  const ended = new Promise<void>((resolve) => (resolveEnd = resolve));
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    chunks.push(chunk);
    // The end of a chunked body (the last data event may be that alone).
    if (`${chunks.at(-2)?.slice(-8) ?? ''}${chunk}`.endsWith('0\r\n\r\n')) resolveEnd();
  });
  socket.on('close', () => resolveEnd());
  socket.on('error', () => undefined);
  socket.write(
    `POST ${PATH} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  socket.pause();
  return { socket, text: () => chunks.join(''), resume: () => socket.resume(), ended };
}

/** Resolves once `value()` has not changed for `quietMs` (how a stall looks from outside). */
async function stalled(value: () => number, quietMs = 300): Promise<number> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const now = value();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (now > 0 && Date.now() - since >= quietMs) return now;
    await sleep(25);
  }
}

afterEach(closeAll);

describe.each(FLAVOURS)('a client that does not read, relay served by %s', (flavour) => {
  it('should stop reading the upstream once maxBufferedBytes wait for the client, and go on when it reads', async () => {
    const answer = longAnswer(16);
    const total = answer.head.length + answer.deltas * answer.delta.length + answer.tail.length;
    const counting = countingFetch();
    const { relay } = await setUp(flavour, streaming(answer), { fetch: counting.fetch, maxBufferedBytes: 64 * 1024, clientTimeoutMs: 0 });
    const client = lazyClient(relay);
    const held = await stalled(counting.pulled);
    await sleep(500);
    // Still stalled: what was read is what the client's socket and the relay's small buffer took.
    expect(counting.pulled()).toBe(held);
    expect(held).toBeLessThan(total / 2);
    client.resume();
    await client.ended;
    expect(counting.pulled()).toBe(total);
    expect(client.text()).toContain('event: message-end');
    expect(client.text()).not.toContain('cohere-rx-error');
  }, 60_000);

  it('should drop a client stuck past clientTimeoutMs, close its connection and its upstream request, and tell onError', async () => {
    const seen: unknown[] = [];
    const { up, relay } = await setUp(flavour, streaming(longAnswer(16)), {
      maxBufferedBytes: 16 * 1024,
      clientTimeoutMs: 300,
      onError: (error) => seen.push(error),
    });
    const client = lazyClient(relay);
    await up.clientClosed(); // the relay closed its upstream request
    await until(() => relay.openConnections() === 0);
    expect(seen).toEqual([expect.objectContaining({ message: expect.stringMatching(/read nothing for 300 ms/) })]);
    client.socket.destroy();
  }, 60_000);
});

describe('a client that reads slowly', () => {
  it('should not be dropped while it takes something within every clientTimeoutMs', async () => {
    const { relay } = await setUp('node:http', streaming(longAnswer(4)), { maxBufferedBytes: 16 * 1024, clientTimeoutMs: 300 });
    const client = lazyClient(relay);
    const reading = setInterval(() => {
      client.resume();
      setTimeout(() => client.socket.pause(), 5);
    }, 50);
    try {
      await client.ended;
    } finally {
      clearInterval(reading);
    }
    expect(client.text()).toContain('event: message-end');
    expect(client.text()).not.toContain('cohere-rx-error');
  }, 60_000);

  it("should not count the wait for the client as the upstream's silence (idleTimeoutMs)", async () => {
    const counting = countingFetch();
    const { relay } = await setUp('node:http', streaming(longAnswer(16)), {
      fetch: counting.fetch,
      maxBufferedBytes: 16 * 1024,
      clientTimeoutMs: 0,
      idleTimeoutMs: 100,
    });
    const client = lazyClient(relay);
    await stalled(counting.pulled);
    await sleep(400); // four idle limits of waiting for the client
    client.resume();
    await client.ended;
    expect(client.text()).toContain('event: message-end');
    expect(client.text()).not.toContain('cohere-rx-error');
  }, 60_000);
});
