// Resumable generations with memoryStore: the relay's protocol over real
// loopback HTTP (POST starts, GET …/{id} with Last-Event-ID resumes, DELETE
// stops), against a scripted upstream. The two-instance, Redis half is
// generations.redis.once.spec.ts.
import express from 'express';
import fc from 'fast-check';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { chatStream$, defineTool, isCohereAbortError, textOnly } from '../../lib';
import { GENERATION_HEADER } from '../../lib/internal/relay';
import {
  CohereRelayError,
  CohereStoreError,
  createChatHandler,
  memoryStore,
  toNodeHandler,
  type ChatHandlerOptions,
  type GenerationStore,
} from '../../lib/server';
import { answerEvents, toolCallEvents } from '../../lib/testing/eventSequences';
import { sseHeaders, startLoopback, type Handler } from '../helpers/loopback';
import { request, toSse } from '../helpers/sse';
import { frames, idOf, readCut } from '../helpers/generations';
import { browser, closeAll, FLAVOURS, keep, KEY, PATH, setUp, sleep, until, type RelayServer } from './harness';

afterEach(closeAll);

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ANSWER =
  'Resumable generations outlive the connection that started them: a reload, a cut or a closed lid no longer ends an answer that is still being generated and billed.';
const BODY = JSON.stringify(request);
const JSON_HEADERS = { 'content-type': 'application/json' };

/** An upstream that sends `events` one by one, `gapMs` apart; `finished` counts the responses it ended. */
function paced(events: readonly object[], gapMs = 2): Handler & { finished: number } {
  const handler = Object.assign(
    async (_req: unknown, res: ServerResponse) => {
      res.writeHead(200, sseHeaders);
      for (const event of events) {
        if (res.destroyed) return;
        res.write(toSse([event]));
        await sleep(gapMs);
      }
      res.end();
      handler.finished++;
    },
    { finished: 0 },
  );
  return handler;
}

/** An upstream that sends the first `count` events of an answer, then nothing until the client goes away. */
const hanging =
  (count = 3): Handler =>
  (_req, res) => {
    res.writeHead(200, sseHeaders);
    res.write(toSse(answerEvents(ANSWER).slice(0, count)));
  };

/** A store that remembers the ids it started. */
function spied(inner: GenerationStore = memoryStore()): GenerationStore & { ids: string[] } {
  const ids: string[] = [];
  return {
    ids,
    start: (id, options) => {
      ids.push(id);
      return inner.start(id, options);
    },
    info: (id) => inner.info(id),
    read: (id, after) => inner.read(id, after),
    stop: (id) => inner.stop(id),
    claim: (key, ttlMs) => inner.claim(key, ttlMs),
    close: () => inner.close(),
  };
}

const start = (relay: RelayServer, headers: Record<string, string> = {}, signal: AbortSignal | null = null): Promise<Response> =>
  fetch(`${relay.url}${PATH}`, { method: 'POST', body: BODY, headers: { ...JSON_HEADERS, ...headers }, signal });

const resume = (
  relay: RelayServer,
  id: string,
  headers: Record<string, string> = {},
  signal: AbortSignal | null = null,
): Promise<Response> => fetch(`${relay.url}${PATH}/${id}`, { headers, signal });

const stop = (relay: RelayServer, id: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${relay.url}${PATH}/${id}`, { method: 'DELETE', headers });

/** A POST read to its end: the generation's id and its whole body. */
async function whole(relay: RelayServer, headers: Record<string, string> = {}): Promise<{ id: string; text: string }> {
  const response = await start(relay, headers);
  expect(response.status).toBe(200);
  return { id: response.headers.get(GENERATION_HEADER)!, text: await response.text() };
}

describe('createChatHandler with a store (resumable generations)', () => {
  describe.each(FLAVOURS)('over %s', (flavour) => {
    it('should name the generation in X-Cohere-Rx-Generation, number every frame, and resume and stop it on …/v2/chat/{id}', async () => {
      const { relay } = await setUp(flavour, paced(answerEvents(ANSWER)), { store: memoryStore() });
      const response = await start(relay);
      expect(response.status).toBe(200);
      const id = response.headers.get(GENERATION_HEADER)!;
      expect(id).toMatch(UUID_V4);
      expect(response.headers.get('access-control-expose-headers')).toContain(GENERATION_HEADER);
      const sent = frames(await response.text());
      expect(sent.map(idOf)).toEqual(sent.map((_, i) => i + 1));
      expect(sent.join('')).toContain('event: message-end');

      const again = await resume(relay, id, { 'last-event-id': '3' });
      expect(again.status).toBe(200);
      expect(again.headers.get(GENERATION_HEADER)).toBe(id);
      expect(await again.text()).toBe(sent.slice(3).join(''));
      expect((await stop(relay, id)).status).toBe(204); // ended: nothing to stop
    });
  });

  it('should write neither the header nor ids without a store, and answer only POST (405 on …/{id})', async () => {
    const { relay } = await setUp('node:http', paced(answerEvents(ANSWER)));
    const response = await start(relay);
    expect(response.headers.get(GENERATION_HEADER)).toBeNull();
    const text = await response.text();
    expect(text).not.toMatch(/^id:/m);
    expect(frames(text).length).toBe(answerEvents(ANSWER).length);
    const get = await resume(relay, '0b8e3f0c-7d4e-4f7a-9a51-2f6c1d9e8a34');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('should stream through the browser’s chatStream$ as before (ids are invisible to it)', async () => {
    const { relay } = await setUp('node:http', paced(answerEvents(ANSWER)), { store: memoryStore() });
    const text = await lastValueFrom(chatStream$(request, browser(relay)).pipe(textOnly(), toArray()));
    expect(text.join('')).toBe(ANSWER);
  });

  it('should stop a generation whose client goes away before its first event (nobody has its id): the upstream is aborted', async () => {
    const store = spied();
    const { up, relay } = await setUp('node:http', hanging(0), { store });
    const controller = new AbortController();
    const answer = start(relay, {}, controller.signal).catch((error: unknown) => error);
    await until(() => store.ids.length === 1);
    controller.abort();
    await answer;
    await up.clientClosed();
    expect(up.abortedByClient).toBe(1);
    // It ended as a stopped generation: a resume of it (were its id known) would end with the abort frame.
    const info = await store.info(store.ids[0]!);
    expect(info?.state).toBe('ended');
  });

  it('should go on after its client disconnects: the upstream is not aborted, and a resume gets the rest', async () => {
    const upstream = paced(answerEvents(ANSWER), 5);
    const { up, relay } = await setUp('node:http', upstream, { store: memoryStore() });
    const controller = new AbortController();
    const response = await start(relay, {}, controller.signal);
    const id = response.headers.get(GENERATION_HEADER)!;
    const first = frames(await readCut(response, controller, 1));
    await until(() => upstream.finished === 1);
    expect(up.abortedByClient).toBe(0);
    const last = first.length > 0 ? idOf(first[first.length - 1]!) : 0;
    const rest = frames(await (await resume(relay, id, { 'last-event-id': String(last) })).text());
    const all = [...first, ...rest];
    expect(all.map(idOf)).toEqual(all.map((_, i) => i + 1));
    expect(all.join('')).toBe((await whole(relay)).text);
  });

  it('should give, across cuts at any points, exactly the uninterrupted stream: no duplicate, no gap', async () => {
    const { relay } = await setUp('node:http', paced(answerEvents(ANSWER), 1), { store: memoryStore() });
    const reference = (await whole(relay)).text;
    const size = Buffer.byteLength(reference);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: size }), { minLength: 1, maxLength: 4 }), async (cuts) => {
        let controller = new AbortController();
        const response = await start(relay, {}, controller.signal);
        const id = response.headers.get(GENERATION_HEADER)!;
        const got = frames(await readCut(response, controller, cuts[0]));
        for (const cut of [...cuts.slice(1), Infinity]) {
          controller = new AbortController();
          const last = got.length > 0 ? { 'last-event-id': String(idOf(got[got.length - 1]!)) } : {};
          const next = await resume(relay, id, last, controller.signal);
          expect(next.status).toBe(200);
          got.push(...frames(await readCut(next, controller, cut)));
        }
        expect(got.map(idOf)).toEqual(got.map((_, i) => i + 1));
        expect(got.join('')).toBe(reference);
      }),
      { numRuns: 15 },
    );
  });

  it('should give a resume beyond the end just the end, and one without Last-Event-ID everything', async () => {
    const { relay } = await setUp('node:http', paced(answerEvents(ANSWER)), { store: memoryStore() });
    const { id, text } = await whole(relay);
    const beyond = await resume(relay, id, { 'last-event-id': '100000' });
    expect(beyond.status).toBe(200);
    expect(await beyond.text()).toBe('');
    expect(await (await resume(relay, id)).text()).toBe(text);
  });

  it('should answer 404 for an unknown id, one that is no id, and an expired one; 400 for a Last-Event-ID that is no whole number', async () => {
    const { relay } = await setUp('node:http', paced(answerEvents(ANSWER)), { store: memoryStore({ retentionMs: 50 }) });
    for (const id of ['0b8e3f0c-7d4e-4f7a-9a51-2f6c1d9e8a34', 'not%20an%20id', '%E0%A4%A']) {
      const answer = await resume(relay, id);
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toBe('application/json');
      expect(((await answer.json()) as { message: string }).message).toMatch(/no such generation/);
      expect((await stop(relay, id)).status).toBe(404);
    }
    const { id } = await whole(relay);
    for (const bad of ['abc', '-1', '1.5', '1e3', '']) {
      const answer = await resume(relay, id, { 'last-event-id': bad });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toMatch(/Last-Event-ID/);
    }
    await sleep(200); // past retentionMs after the end
    expect((await resume(relay, id)).status).toBe(404);
  });

  it('should answer 405 with Allow for the methods each path does not take', async () => {
    const { relay } = await setUp('node:http', paced(answerEvents(ANSWER)), { store: memoryStore() });
    const { id } = await whole(relay);
    for (const method of ['PUT', 'PATCH', 'POST']) {
      const answer = await fetch(`${relay.url}${PATH}/${id}`, { method, body: BODY, headers: JSON_HEADERS });
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('GET, DELETE');
    }
    for (const method of ['GET', 'DELETE']) {
      const answer = await fetch(`${relay.url}${PATH}`, { method });
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('POST');
    }
  });

  it('should stop the upstream on DELETE: 202, the upstream request aborted, every listener ends with the abort frame', async () => {
    const store = memoryStore();
    const { up, relay } = await setUp('node:http', hanging(3), { store });
    const response = await start(relay);
    const id = response.headers.get(GENERATION_HEADER)!;
    const reader = await resume(relay, id);
    const stopped = await stop(relay, id);
    expect(stopped.status).toBe(202);
    await up.clientClosed();
    const own = frames(await response.text());
    const last = own[own.length - 1]!;
    expect(last).toMatch(/^id: 4\nevent: cohere-rx-error\ndata: \{"type":"cohere-rx-error","error":\{"name":"CohereAbortError"/);
    expect(await reader.text()).toBe(own.join(''));
    expect((await store.info(id))?.state).toBe('ended');
    expect((await stop(relay, id)).status).toBe(204);
  });

  it('should make a stop the browser’s CohereAbortError', async () => {
    const store = spied();
    const { up, relay } = await setUp('node:http', hanging(3), { store });
    let error: unknown;
    let stopping: Promise<Response> | undefined;
    await lastValueFrom(
      chatStream$(request, browser(relay)).pipe(tap({ next: () => void (stopping ??= stop(relay, store.ids[0]!)) }), toArray()),
    ).catch((e: unknown) => (error = e));
    expect(isCohereAbortError(error)).toBe(true);
    expect((await stopping)?.status).toBe(202);
    await up.clientClosed();
  });

  it('should let only the owner resume or stop a generation (404 for anyone else)', async () => {
    const owner = (r: Request): string => {
      const user = r.headers.get('x-user');
      if (!user) throw new CohereRelayError(401, 'sign in first');
      return user;
    };
    const { up, relay } = await setUp('node:http', hanging(3), { store: memoryStore(), owner });
    expect((await start(relay)).status).toBe(401);
    expect(up.requests.length).toBe(0);
    const response = await start(relay, { 'x-user': 'ada' });
    const id = response.headers.get(GENERATION_HEADER)!;
    expect((await resume(relay, id)).status).toBe(401);
    expect((await resume(relay, id, { 'x-user': 'bob' })).status).toBe(404);
    expect((await stop(relay, id, { 'x-user': 'bob' })).status).toBe(404);
    expect(up.abortedByClient).toBe(0);
    const controller = new AbortController();
    const mine = await resume(relay, id, { 'x-user': 'ada' }, controller.signal);
    expect(mine.status).toBe(200);
    controller.abort();
    expect((await stop(relay, id, { 'x-user': 'ada' })).status).toBe(202);
    await up.clientClosed();
    await response.text();
  });

  it('should refuse GET and DELETE from another origin (403), and leave the generation running', async () => {
    const { up, relay } = await setUp('node:http', hanging(3), { store: memoryStore() });
    const response = await start(relay, { origin: relay.origin });
    const id = response.headers.get(GENERATION_HEADER)!;
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }]) {
      expect((await resume(relay, id, headers)).status).toBe(403);
      expect((await stop(relay, id, headers)).status).toBe(403);
    }
    expect(up.abortedByClient).toBe(0);
    expect((await stop(relay, id, { origin: relay.origin })).status).toBe(202);
    await up.clientClosed();
    await response.text();
  });

  it('should answer 503 (Cohere-shaped) when the store cannot start a generation, and send nothing upstream', async () => {
    const closed = memoryStore();
    await closed.close();
    const failing: GenerationStore = { ...memoryStore(), start: () => Promise.reject(new CohereStoreError('unavailable')) };
    for (const store of [closed, failing]) {
      const { up, relay } = await setUp('node:http', paced(answerEvents(ANSWER)), { store });
      const response = await start(relay);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(((await response.json()) as { message: string }).message).toMatch(/generation store is/);
      expect(up.requests.length).toBe(0);
      await closeAll();
    }
  });

  it('should never wait for a client that does not read: the generation runs to its end, the client catches up from the store', async () => {
    // 600 events of 4 KiB: far more than the client's maxBufferedBytes and the sockets' buffers.
    const big = answerEvents(Array.from({ length: 600 }, (_, i) => `${String(i).padStart(4, '0')}${'x'.repeat(4096)}`).join(' '));
    const upstream = paced(big, 0);
    const options: ChatHandlerOptions = { store: memoryStore(), maxBufferedBytes: 1024 };
    const { relay } = await setUp('node:http', upstream, options);
    const response = await start(relay);
    await until(() => upstream.finished === 1); // while the client has read nothing
    const got = frames(await response.text());
    expect(got.map(idOf)).toEqual(got.map((_, i) => i + 1));
    expect(got.length).toBe(big.length);
    expect(got.join('')).toBe(await (await resume(relay, response.headers.get(GENERATION_HEADER)!)).text());
  });

  it('should take all three methods when Express mounts it under its prefix with app.use', async () => {
    const up = keep(await startLoopback(paced(answerEvents(ANSWER))));
    const app = express();
    app.use(PATH, toNodeHandler(createChatHandler({ apiKey: KEY, baseUrl: up.url, maxRetries: 0, store: memoryStore() })));
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    keep({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const relay = { url, origin: url } as RelayServer;
    const { id, text } = await whole(relay);
    expect(await (await resume(relay, id)).text()).toBe(text);
    expect((await stop(relay, id)).status).toBe(204);
    expect((await fetch(`${url}${PATH}/${id}`, { method: 'PUT' })).status).toBe(405);
  });

  it('should stop the server-side tools of a stopped generation (their signal aborts)', async () => {
    let running: (() => void) | undefined;
    const started = new Promise<void>((resolve) => (running = resolve));
    let aborted = false;
    const wait = defineTool<Record<string, never>>({
      description: 'waits until stopped',
      parameters: { type: 'object', properties: {} },
      execute: (_args, { signal }) =>
        new Promise((_resolve, reject) => {
          running!();
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('stopped'));
          });
        }),
    });
    const { relay } = await setUp('node:http', paced(toolCallEvents([{ name: 'wait', arguments: {} }])), {
      store: memoryStore(),
      tools: { wait },
    });
    const response = await start(relay);
    expect(response.headers.get('x-cohere-rx-stream')).toBe('multi-message');
    const id = response.headers.get(GENERATION_HEADER)!;
    await started;
    expect((await stop(relay, id)).status).toBe(202);
    const own = frames(await response.text());
    expect(own[own.length - 1]).toMatch(/^id: \d+\nevent: cohere-rx-error\ndata: .*"name":"CohereAbortError"/);
    expect(aborted).toBe(true);
  });

  it('should send heartbeats to a resuming client while the generation is silent', async () => {
    const { up, relay } = await setUp('node:http', hanging(3), { store: memoryStore(), heartbeatMs: 50 });
    const response = await start(relay);
    const id = response.headers.get(GENERATION_HEADER)!;
    const controller = new AbortController();
    const reader = await resume(relay, id, { 'last-event-id': '3' }, controller.signal);
    const text = await readCut(reader, controller, ': keep-alive\n\n'.length);
    expect(text).toBe(': keep-alive\n\n');
    expect((await stop(relay, id)).status).toBe(202);
    await up.clientClosed();
    await response.text();
  });

  it('should check store and owner when the handler is made (CohereConfigError), and answer 500 for an owner that gives no string', async () => {
    for (const [options, option] of [
      [{ store: {} as GenerationStore }, 'store'],
      [{ store: 'redis://localhost' as unknown as GenerationStore }, 'store'],
      [{ store: memoryStore(), owner: 'ada' as unknown as () => string }, 'owner'],
    ] as const) {
      let error: unknown;
      try {
        createChatHandler(options);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ name: 'CohereConfigError', option });
    }
    const errors: unknown[] = [];
    const owner = (() => 42) as unknown as () => string;
    const { up, relay } = await setUp('node:http', paced(answerEvents(ANSWER)), {
      store: memoryStore(),
      owner,
      onError: (e) => errors.push(e),
    });
    const response = await start(relay);
    expect(response.status).toBe(500);
    expect(((await response.json()) as { message: string }).message).toBe('internal server error');
    expect(up.requests.length).toBe(0);
    expect(String(errors[0])).toMatch(/owner\(request\) must return a string/);
  });
});
