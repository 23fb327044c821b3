// The browser's side of resumable generations against the real relay
// (createChatHandler with memoryStore) and a scripted upstream, through a TCP
// proxy that cuts the page's connection after a chosen number of bytes: the
// page's chatStream$ resumes it with no duplicate and no gap and the upstream
// is asked once; an unsubscribe stops the upstream (the DELETE), which a
// disconnect alone no longer does; resumeChat$ continues after a "reload".
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { lastValueFrom, take, toArray } from 'rxjs';
import { chatStream$, isCohereIncompleteStreamError, resumeChat$, textOnly, type ResponseInfo } from '../../lib';
import { memoryStore } from '../../lib/server';
import { answerEvents } from '../../lib/testing/eventSequences';
import { collect, errorOf } from '../helpers/collect';
import { sseHeaders, type Handler } from '../helpers/loopback';
import { request, toSse } from '../helpers/sse';
import { browser, closeAll, keep, setUp, sleep, type RelayServer } from '../server/harness';

afterEach(closeAll);

const ANSWER = 'A generation outlives the connection that started it, and the page reads it as one stream: no duplicate, no gap.';

/** An upstream that sends the answer's events `gapMs` apart; `count` of them, then waits for the client to go (when given). */
function paced(gapMs: number, count?: number): Handler {
  return async (_req: unknown, res: ServerResponse) => {
    res.writeHead(200, sseHeaders);
    const events = answerEvents(ANSWER);
    for (const event of events.slice(0, count ?? events.length)) {
      if (res.destroyed) return;
      res.write(toSse([event]));
      await sleep(gapMs);
    }
    if (count === undefined) res.end();
  };
}

interface CuttingProxy {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** A TCP proxy in front of `target` that cuts its first connection once `cutAfter` response bytes went through. */
async function cuttingProxy(target: RelayServer, cutAfter: number): Promise<CuttingProxy> {
  const { port, hostname } = new URL(target.url);
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((client) => {
    const index = state.connections++;
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    let sent = 0;
    upstream.on('data', (chunk: Buffer) => {
      if (index === 0 && sent + chunk.length >= cutAfter) {
        client.write(chunk.subarray(0, Math.max(0, cutAfter - sent)));
        client.destroy();
        upstream.destroy();
        return;
      }
      sent += chunk.length;
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return state.connections;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return keep(proxy);
}

describe('chatStream$ against the relay with a store', () => {
  it.each([700, 1500, 2600])(
    'should resume a connection cut after %i bytes: the whole answer once, one upstream request',
    async (cutAfter) => {
      const { up, relay } = await setUp('node:http', paced(3), { store: memoryStore() });
      const proxy = await cuttingProxy(relay, cutAfter);
      const responses: ResponseInfo[] = [];
      const text = await lastValueFrom(
        chatStream$(request, {
          ...browser(relay),
          baseUrl: `${proxy.url}/api`,
          maxRetries: 2,
          onResponse: (info) => void responses.push(info),
        }).pipe(textOnly(), toArray()),
      );
      expect(text.join('')).toBe(ANSWER);
      expect(up.requests).toHaveLength(1); // the generation was started once: a resume is not a second POST
      expect(responses.length).toBeGreaterThanOrEqual(2); // the POST's, then the resume's
      const ids = responses.map((r) => r.headers.get('x-cohere-rx-generation'));
      expect(new Set(ids).size).toBe(1);
    },
  );

  it('should stop the upstream on unsubscribe (the DELETE), though a disconnect alone leaves a generation running', async () => {
    const { up, relay } = await setUp('node:http', paced(2, 4), { store: memoryStore() });
    const events = await lastValueFrom(chatStream$(request, browser(relay)).pipe(take(3), toArray()));
    expect(events).toHaveLength(3);
    await up.clientClosed(); // the relay aborted its upstream request
    expect(up.abortedByClient).toBe(1);
  });

  it('should continue with resumeChat$ after a "reload" (a connection lost without an unsubscribe)', async () => {
    const { up, relay } = await setUp('node:http', paced(3), { store: memoryStore() });
    const proxy = await cuttingProxy(relay, 900);
    let id: string | null = null;
    const seen: string[] = [];
    // The page before the reload: no resume (maxRetries 0), so its connection's loss ends it (an error stops nothing).
    const outcome = await collect(
      chatStream$(request, {
        ...browser(relay),
        baseUrl: `${proxy.url}/api`,
        onResponse: ({ headers }) => (id = headers.get('x-cohere-rx-generation')),
      }).pipe(textOnly()),
    );
    errorOf(outcome, isCohereIncompleteStreamError);
    seen.push(...outcome.values);
    expect(id).not.toBeNull();
    // After the reload: the generation from its start (the page kept nothing of it).
    const again = await lastValueFrom(resumeChat$(id!, browser(relay)).pipe(textOnly(), toArray()));
    expect(again.join('')).toBe(ANSWER);
    expect(ANSWER.startsWith(seen.join(''))).toBe(true);
    expect(up.requests).toHaveLength(1);
  });
});
