import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finalize, interval, map, of, take } from 'rxjs';
import { toEventStream, toNodeHandler } from '../../lib/server';

// toNodeHandler writes cohere-rx's own streams (toEventStream, createChatHandler)
// to the socket directly; any other body (a stream wrapped in a transform, one
// a middleware began to read) is read as a web stream. Over real loopback HTTP
// both give the client the same bytes, and a client that goes away stops the
// source either way.

type Wrap = 'as made' | 'through a TransformStream';
const WRAPS: readonly Wrap[] = ['as made', 'through a TransformStream'];
const headers = { 'content-type': 'text/event-stream; charset=utf-8' };

function wrap(body: ReadableStream<Uint8Array>, how: Wrap): Response {
  return new Response(how === 'as made' ? body : body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>()), { headers });
}

async function serve(handler: (req: Request) => Response): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(toNodeHandler(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const events = Array.from({ length: 300 }, (_, i) => ({
  type: 'content-delta',
  index: 0,
  delta: { message: { content: { text: `t${i} é ✓ ` } } },
}));
const expected = events.map((e) => `event: content-delta\ndata: ${JSON.stringify(e)}\n\n`).join('');

describe.each(WRAPS)('toNodeHandler with a body %s', (how) => {
  it('should give the client every frame, byte for byte, then end the response', async () => {
    const server = await serve(() => wrap(toEventStream(of(...events), { heartbeatMs: 0 }), how));
    try {
      const response = await fetch(server.url);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await response.text()).toBe(expected);
    } finally {
      await server.close();
    }
  });

  it('should unsubscribe from the source when the client goes away mid-stream', async () => {
    let stopped!: () => void;
    const unsubscribed = new Promise<void>((resolve) => (stopped = resolve));
    const ticks$ = interval(5).pipe(
      take(10_000),
      map((i) => ({ type: 'content-delta', index: i })),
      finalize(() => stopped()),
    );
    const server = await serve(() => wrap(toEventStream(ticks$, { heartbeatMs: 0 }), how));
    try {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(server.url, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(error)));
        req.end();
      });
      await unsubscribed;
    } finally {
      await server.close();
    }
  });
});

describe('toNodeHandler writing directly to the socket', () => {
  it("should deliver an answer far larger than the socket's buffer whole, through its many 'drain's", async () => {
    const big = 'x'.repeat(4096);
    let produced = 0;
    const many$ = interval(0).pipe(
      take(2000),
      map((i) => {
        produced = i + 1;
        return { type: 'content-delta', i, big };
      }),
    );
    const server = await serve(() => new Response(toEventStream(many$, { heartbeatMs: 0 }), { headers }));
    try {
      const response = await fetch(server.url);
      const text = await response.text();
      expect(produced).toBe(2000);
      expect(text.split('\n\n').length - 1).toBe(2000);
    } finally {
      await server.close();
    }
  });
});
