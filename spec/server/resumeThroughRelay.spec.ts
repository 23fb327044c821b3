// Both halves of #21 together: the browser's chatStream$ (no new option)
// through the real relay (createChatHandler with memoryStore, behind
// toNodeHandler), with a TCP proxy between them that cuts the page's
// connections where a spec says. What a reader of the page sees must be the
// uninterrupted answer; the upstream must have been asked once; Stop must
// reach the upstream.
import fc from 'fast-check';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { lastValueFrom, take, toArray } from 'rxjs';
import { chatStream$, isCohereError, resumeChat$, textOnly, type ResponseInfo } from '../../lib';
import { GENERATION_HEADER } from '../../lib/internal/relay';
import { memoryStore } from '../../lib/server';
import { answerEvents } from '../../lib/testing/eventSequences';
import { sseHeaders, type Handler } from '../helpers/loopback';
import { request, toSse } from '../helpers/sse';
import { browser, closeAll, keep, setUp, sleep, until, type RelayServer } from './harness';

afterEach(closeAll);

const ANSWER =
  'A generation belongs to the relay, not to the connection: the page may lose its socket any number of times and still read every word once.';

/** An upstream that sends the answer's events one by one, `gapMs` apart; counts the requests it got and the ones cut. */
function paced(gapMs: number): Handler & { requests: number; cut: number } {
  const handler = Object.assign(
    async (_req: unknown, res: ServerResponse) => {
      handler.requests++;
      res.writeHead(200, sseHeaders);
      for (const event of answerEvents(ANSWER)) {
        if (res.destroyed) {
          handler.cut++;
          return;
        }
        res.write(toSse([event]));
        await sleep(gapMs);
      }
      res.end();
    },
    { requests: 0, cut: 0 },
  );
  return handler;
}

/**
 * A TCP proxy in front of the relay. The n-th connection (0-based) is cut
 * after `cuts[n]` bytes of the relay's answer's body have passed, its head
 * (status line and headers) not counted (no entry: never cut).
 */
async function cuttingProxy(
  relay: RelayServer,
  cuts: readonly number[],
): Promise<{ url: string; connections: number; close(): Promise<void> }> {
  const target = new URL(relay.url);
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((page) => {
    const limit = cuts[connections++] ?? Infinity;
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(page).add(upstream);
    let passed = 0;
    let head = Buffer.alloc(0);
    let inBody = false;
    page.pipe(upstream);
    upstream.on('data', (data: Buffer) => {
      let chunk = data;
      if (!inBody) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        inBody = true;
        page.write(head.subarray(0, end + 4));
        chunk = head.subarray(end + 4);
      }
      if (passed + chunk.length >= limit) {
        page.write(chunk.subarray(0, Math.max(0, limit - passed)));
        page.destroy();
        upstream.destroy();
        return;
      }
      passed += chunk.length;
      page.write(chunk);
    });
    upstream.on('end', () => page.end());
    const drop = (): void => {
      page.destroy();
      upstream.destroy();
    };
    page.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return keep({
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** The relay's options for the page, through `proxy` instead of directly. */
const through = (relay: RelayServer, proxy: { url: string }, extra = {}) => ({ ...browser(relay), baseUrl: `${proxy.url}/api`, ...extra });

describe('chatStream$ through a relay with a store, its connections cut', () => {
  it('should read the uninterrupted answer across cuts at any points, with one upstream request and one POST', async () => {
    const upstream = paced(1);
    const { relay } = await setUp('node:http', upstream, { store: memoryStore() });
    // The size of the answer as the relay sends it, to cut within it.
    const reference = await fetch(`${relay.url}/api/v2/chat`, {
      method: 'POST',
      body: JSON.stringify(request),
      headers: { 'content-type': 'application/json' },
    });
    // Chunked transfer encoding adds a few bytes per write: the body's own size is a lower bound of what passes.
    const size = (await reference.arrayBuffer()).byteLength;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: size - 1 }), { minLength: 1, maxLength: 3 }), async (cuts) => {
        const before = { requests: upstream.requests, hits: relay.hits };
        const proxy = await cuttingProxy(relay, cuts);
        const statuses: number[] = [];
        const text = await lastValueFrom(
          chatStream$(
            request,
            through(relay, proxy, { maxRetries: 3, onResponse: (info: ResponseInfo) => statuses.push(info.status) }),
          ).pipe(textOnly(), toArray()),
        );
        expect(text.join('')).toBe(ANSWER);
        // One generation upstream; the page's requests were one POST and a GET per cut that fell before the end.
        expect(upstream.requests - before.requests).toBe(1);
        expect(relay.hits - before.hits).toBe(proxy.connections);
        expect(proxy.connections).toBeLessThanOrEqual(cuts.length + 1);
        expect(statuses.every((status) => status === 200)).toBe(true);
      }),
      { numRuns: 12 },
    );
  });

  it('should continue after a reload with resumeChat$ from the stored id, from the start', async () => {
    const { relay } = await setUp('node:http', paced(3), { store: memoryStore() });
    let id = '';
    // The first page loses its connection mid-answer and does not resume (maxRetries 0): it errors. (An unsubscribe would be Stop.)
    const proxy = await cuttingProxy(relay, [400]);
    const seen = await lastValueFrom(
      chatStream$(
        request,
        through(relay, proxy, { maxRetries: 0, onResponse: (info: ResponseInfo) => (id = info.headers.get(GENERATION_HEADER) ?? '') }),
      ).pipe(textOnly(), toArray()),
    ).catch((error: unknown) => error);
    expect(isCohereError(seen)).toBe(true);
    expect(id).not.toBe('');
    // The reloaded page: everything from the start (no lastEventId), then the rest as it comes.
    const again = await lastValueFrom(resumeChat$(id, browser(relay)).pipe(textOnly(), toArray()));
    expect(again.join('')).toBe(ANSWER);
  });

  it('should stop the upstream when the page unsubscribes before the end (Stop), through the relay', async () => {
    const upstream = paced(20);
    const { relay } = await setUp('node:http', upstream, { store: memoryStore() });
    const first = await lastValueFrom(chatStream$(request, browser(relay)).pipe(textOnly(), take(2), toArray()));
    expect(first).toHaveLength(2);
    await until(() => upstream.cut === 1);
    expect(upstream.requests).toBe(1);
  });

  it('should not stop the generation when the page errors out (it stays resumable)', async () => {
    const upstream = paced(2);
    const { relay } = await setUp('node:http', upstream, { store: memoryStore() });
    const proxy = await cuttingProxy(relay, [300]);
    let id = '';
    await lastValueFrom(
      chatStream$(
        request,
        through(relay, proxy, { maxRetries: 0, onResponse: (info: ResponseInfo) => (id = info.headers.get(GENERATION_HEADER) ?? '') }),
      ),
    ).catch(() => undefined);
    const again = await lastValueFrom(resumeChat$(id, browser(relay)).pipe(textOnly(), toArray()));
    expect(again.join('')).toBe(ANSWER);
    expect(upstream.cut).toBe(0);
  });
});
