import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { lastValueFrom, take, toArray } from 'rxjs';
import {
  chatStream$,
  CohereApiError,
  CohereConnectionError,
  CohereGenerationError,
  CohereIncompleteStreamError,
  CohereMaxStepsError,
  CohereTimeoutError,
  textOnly,
  type ChatRequest,
  type ChatStreamEvent,
  type ChatStreamOptions,
} from '../../lib';
import { createChatHandler, CohereRelayError, toNodeHandler, type ChatHandlerOptions } from '../../lib/server';
import { messageEnd } from '../../lib/testing/events';
import { answerEvents, toolCallEvents } from '../../lib/testing/eventSequences';
import { startReplayServer } from '../../lib/testing';
import { collect } from '../helpers/collect';
import { sleep, sseHeaders, startLoopback, type Handler, type Loopback } from '../helpers/loopback';
import { request, textTurn, toSse } from '../helpers/sse';

// The browser side is our own chatStream$ against the relay; the relay
// (createChatHandler behind toNodeHandler on node:http) talks to a scripted
// loopback upstream. Everything is real HTTP on 127.0.0.1.
const KEY = 'server-key-NEVER-IN-THE-BROWSER-5d1e8a2b';

interface Relay {
  url: string;
  close(): Promise<void>;
}

async function startRelay(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Relay> {
  const sockets = new Set<Socket>();
  const server: Server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let upstream: Loopback | undefined;
let relay: Relay | undefined;
afterEach(async () => {
  await relay?.close();
  await upstream?.close();
  relay = upstream = undefined;
});

/** An upstream scripted by `handler`, and a relay to it with the server key. */
async function setUp(handler: Handler, options: ChatHandlerOptions = {}): Promise<{ up: Loopback; relay: Relay }> {
  upstream = await startLoopback(handler);
  relay = await startRelay(toNodeHandler(createChatHandler({ apiKey: KEY, baseUrl: upstream.url, maxRetries: 0, ...options })));
  return { up: upstream, relay };
}

/** The browser: no key, the relay as its base URL. */
const browser = (r: Relay, extra: ChatStreamOptions = {}) => ({ apiKey: '', baseUrl: `${r.url}/api`, maxRetries: 0, ...extra });
const streamAll =
  (events: readonly object[], done = true): Handler =>
  (_req, res) => {
    res.writeHead(200, sseHeaders);
    res.end(toSse(events, { done }));
  };
/** What the browser would see on the wire: status, headers and body text. */
async function rawPost(
  r: Relay,
  body: string,
  init: { headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${r.url}/api/v2/chat`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
const expectNoKey = (text: string) => {
  expect(text).not.toContain(KEY);
  // Nor any piece of it long enough to matter.
  for (let i = 0; i + 8 <= KEY.length; i++) expect(text).not.toContain(KEY.slice(i, i + 8));
};
const headersText = (h: Headers) => [...h.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');

describe('createChatHandler through toNodeHandler', () => {
  describe('a relayed turn', () => {
    it('should deliver every event exactly, and complete', async () => {
      const { relay: r } = await setUp(streamAll(textTurn));
      const outcome = await collect(chatStream$(request, browser(r)));
      expect(outcome.values).toEqual(textTurn);
      expect(outcome.completed).toBe(true);
    });

    it("should be reached by the browser's chatStream$ at {baseUrl}/v2/chat", async () => {
      upstream = await startLoopback(streamAll(textTurn));
      const handler = toNodeHandler(createChatHandler({ apiKey: KEY, baseUrl: upstream.url, maxRetries: 0 }));
      const paths: string[] = [];
      relay = await startRelay((req, res) => {
        paths.push(req.url ?? '');
        handler(req, res);
      });
      await collect(chatStream$(request, browser(relay)));
      expect(paths).toEqual(['/api/v2/chat']);
    });

    it('should make one upstream request per browser request, with the server key and stream: true', async () => {
      const { up, relay: r } = await setUp(streamAll(textTurn));
      await collect(chatStream$({ ...request, temperature: 0.2 }, browser(r, { headers: { authorization: 'Bearer browser-token' } })));
      expect(up.requests).toHaveLength(1);
      expect(up.requests[0]!.url).toBe('/v2/chat');
      expect(up.requests[0]!.headers['authorization']).toBe(`Bearer ${KEY}`);
      expect(JSON.parse(up.requests[0]!.body)).toEqual({ ...request, temperature: 0.2, stream: true });
    });

    it('should show the browser no key: not in a header, nor in the body', async () => {
      const { relay: r } = await setUp(streamAll(textTurn));
      const { status, headers, text } = await rawPost(r, JSON.stringify(request));
      expect(status).toBe(200);
      expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(headers.get('x-cohere-rx-stream')).toBe('single-message');
      expectNoKey(headersText(headers));
      expectNoKey(text);
      // Cohere's own framing.
      expect(text.startsWith(`event: message-start\ndata: ${JSON.stringify(textTurn[0])}\n\n`)).toBe(true);
    });
  });

  describe('errors before the first event', () => {
    it("should answer an upstream 401 that echoes the key with 502 (the relay's key was refused, not the page) and no key", async () => {
      const { relay: r } = await setUp((_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `invalid api token: Bearer ${KEY}` }));
      });
      const outcome = await collect(chatStream$(request, browser(r)));
      expect(outcome.error).toBeInstanceOf(CohereApiError);
      expect((outcome.error as CohereApiError).status).toBe(502);
      expectNoKey(JSON.stringify({ message: (outcome.error as Error).message, body: (outcome.error as CohereApiError).body }));
      const raw = await rawPost(r, JSON.stringify(request));
      expect(raw.status).toBe(502);
      expect(JSON.parse(raw.text)).toEqual({ message: "the relay's upstream refused the relay's credentials (status 401)" });
      expectNoKey(raw.text);
      expectNoKey(headersText(raw.headers));
    });

    it.each([400, 404, 422, 429, 500, 503])('should give the browser the same CohereApiError for an upstream %i', async (status) => {
      const { relay: r } = await setUp((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '3' });
        res.end(JSON.stringify({ id: 'x', message: `upstream says ${status}` }));
      });
      const outcome = await collect(chatStream$(request, browser(r)));
      const error = outcome.error as CohereApiError;
      expect(error).toBeInstanceOf(CohereApiError);
      expect(error.status).toBe(status);
      expect(error.message).toBe(`Cohere API request failed with status ${status}: upstream says ${status}`);
      expect(error.retryAfterMs).toBe(3000);
    });

    it('should answer 502 when the upstream cannot be reached, 504 when it does not answer in time', async () => {
      const { up, relay: r } = await setUp(() => undefined, { timeoutMs: 100 });
      const slow = await collect(chatStream$(request, browser(r)));
      expect((slow.error as CohereApiError).status).toBe(504);
      await up.close();
      const gone = await collect(chatStream$(request, browser(r)));
      expect(gone.error).toBeInstanceOf(CohereApiError);
      expect((gone.error as CohereApiError).status).toBe(502);
    });
  });

  describe('errors after the first event', () => {
    it('should deliver what arrived, then a CohereConnectionError, when the upstream is cut mid-stream', async () => {
      const { relay: r } = await setUp(async (_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 3)));
        await sleep(30);
        res.socket?.destroy();
      });
      const outcome = await collect(chatStream$(request, browser(r)));
      expect(outcome.values).toEqual(textTurn.slice(0, 3));
      expect(outcome.error).toBeInstanceOf(CohereConnectionError);
      expect((outcome.error as CohereConnectionError).phase).toBe('body');
      expect((outcome.error as Error).message).toMatch(/^The connection broke while streaming: /);
      expect((outcome.error as Error).message).not.toMatch(/streaming: The connection/);
    });

    it('should turn an upstream idle timeout into the same CohereTimeoutError', async () => {
      const { relay: r } = await setUp(
        (_req, res) => {
          res.writeHead(200, sseHeaders);
          res.write(toSse(textTurn.slice(0, 2))); // then silence
        },
        { idleTimeoutMs: 150, heartbeatMs: 0 },
      );
      const outcome = await collect(chatStream$(request, browser(r)));
      expect(outcome.values).toEqual(textTurn.slice(0, 2));
      expect(outcome.error).toBeInstanceOf(CohereTimeoutError);
      expect(outcome.error).toMatchObject({ phase: 'idle', timeoutMs: 150 });
    });

    it('should end with a CohereIncompleteStreamError when the upstream ends before message-end', async () => {
      const { relay: r } = await setUp(streamAll(textTurn.slice(0, 4), false));
      const outcome = await collect(chatStream$(request, browser(r)));
      expect(outcome.values).toEqual(textTurn.slice(0, 4));
      expect(outcome.error).toBeInstanceOf(CohereIncompleteStreamError);
      expect((outcome.error as CohereIncompleteStreamError).eventCount).toBe(4);
    });

    it('should raise a CohereGenerationError after a message-end with ERROR, as against Cohere', async () => {
      const failed = [...textTurn.slice(0, 3), { type: 'message-end', delta: { finish_reason: 'ERROR', error: 'model overloaded' } }];
      const { relay: r } = await setUp(streamAll(failed));
      const outcome = await collect(chatStream$(request, browser(r)));
      expect(outcome.values).toEqual(failed);
      expect(outcome.error).toBeInstanceOf(CohereGenerationError);
      expect((outcome.error as CohereGenerationError).serverError).toBe('model overloaded');
    });

    it('should keep the key out of the error frame when the upstream echoes it mid-stream', async () => {
      const { relay: r } = await setUp(async (_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 2)));
        res.end(toSse([{ type: 'message-end', delta: { finish_reason: 'ERROR', error: `bad key ${KEY}` } }]));
      });
      const raw = await rawPost(r, JSON.stringify(request));
      expectNoKey(raw.text);
      const outcome = await collect(chatStream$(request, browser(r)));
      expect(outcome.error).toBeInstanceOf(CohereGenerationError);
      expectNoKey(String((outcome.error as Error).message));
    });
  });

  describe('cancellation end to end', () => {
    it('should close the upstream request when the browser unsubscribes', async () => {
      const { up, relay: r } = await setUp((_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 2))); // then keeps the connection open
      });
      const first = await lastValueFrom(chatStream$(request, browser(r)).pipe(take(1), toArray()));
      expect(first).toEqual([textTurn[0]]);
      await up.clientClosed(); // the relay went away from the upstream
      expect(up.abortedByClient).toBe(1);
    });
  });

  describe('what never reaches the upstream', () => {
    it('should answer 405 with Allow: POST to anything but POST', async () => {
      const { up, relay: r } = await setUp(streamAll(textTurn));
      for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) {
        const response = await fetch(`${r.url}/api/v2/chat`, { method });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toBe('POST');
        expect(await response.json()).toEqual({ message: expect.stringContaining(method) });
      }
      expect(up.requests).toHaveLength(0);
    });

    it('should answer 400 to a body that is not JSON, or not an object', async () => {
      const { up, relay: r } = await setUp(streamAll(textTurn));
      for (const body of ['{not json', '[1,2]', 'null', '"text"', '']) {
        const raw = await rawPost(r, body);
        expect(raw.status).toBe(400);
        expect(JSON.parse(raw.text)).toEqual({ message: expect.stringMatching(/^invalid request/) });
      }
      const outcome = await collect(chatStream$([] as unknown as ChatRequest, browser(r)));
      expect(outcome.error).toBeDefined(); // refused by the browser's own check: nothing sent
      expect(up.requests).toHaveLength(0);
    });

    it('should answer 413 over maxBodyBytes, by Content-Length and by counting a chunked body', async () => {
      const { up, relay: r } = await setUp(streamAll(textTurn), { maxBodyBytes: 1000 });
      const big = JSON.stringify({ ...request, padding: 'x'.repeat(2000) });
      expect((await rawPost(r, big)).status).toBe(413);
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(big);
          for (let i = 0; i < bytes.length; i += 100) controller.enqueue(bytes.subarray(i, i + 100));
          controller.close();
        },
      });
      const response = await fetch(`${r.url}/api/v2/chat`, {
        method: 'POST',
        body: chunked,
        duplex: 'half',
        headers: { 'content-type': 'application/json' },
      } as RequestInit);
      expect(response.status).toBe(413);
      const outcome = await collect(chatStream$({ ...request, padding: 'x'.repeat(2000) } as ChatRequest, browser(r)));
      expect((outcome.error as CohereApiError).status).toBe(413);
      expect(up.requests).toHaveLength(0);
    });

    it("should send prepare's Response as it is, and its CohereRelayError as a Cohere-shaped error", async () => {
      const { up, relay: r } = await setUp(streamAll(textTurn), {
        prepare: (body, req) => {
          if (req.headers.get('x-session') === null) return new Response('sign in', { status: 401, headers: { 'x-why': 'no-session' } });
          if (body.model !== 'allowed')
            throw new CohereRelayError(403, `model ${body.model} is not allowed`, { headers: { 'x-policy': 'models' } });
          return { ...body, model: 'rewritten' };
        },
      });
      const raw = await rawPost(r, JSON.stringify(request));
      expect(raw).toMatchObject({ status: 401, text: 'sign in' });
      expect(raw.headers.get('x-why')).toBe('no-session');
      const refused = await rawPost(r, JSON.stringify(request), { headers: { 'x-session': '1' } });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('x-policy')).toBe('models');
      const outcome = await collect(chatStream$(request, browser(r, { headers: { 'x-session': '1' } })));
      expect(outcome.error).toBeInstanceOf(CohereApiError);
      expect((outcome.error as Error).message).toBe('Cohere API request failed with status 403: model command-a-03-2025 is not allowed');
      expect(up.requests).toHaveLength(0);
      // A rewritten body is what goes upstream.
      await collect(chatStream$({ ...request, model: 'allowed' }, browser(r, { headers: { 'x-session': '1' } })));
      expect(JSON.parse(up.requests[0]!.body).model).toBe('rewritten');
    });

    it('should answer 500 without its text when prepare throws anything else, and tell onError', async () => {
      const seen: unknown[] = [];
      const { up, relay: r } = await setUp(streamAll(textTurn), {
        prepare: () => {
          throw new Error('database password is hunter2');
        },
        onError: (error) => seen.push(error),
      });
      const raw = await rawPost(r, JSON.stringify(request));
      expect(raw.status).toBe(500);
      expect(raw.text).not.toContain('hunter2');
      expect(seen).toHaveLength(1);
      expect(up.requests).toHaveLength(0);
    });
  });

  describe('heartbeat', () => {
    it('should send comment lines while the upstream is silent, which the browser ignores', async () => {
      const { relay: r } = await setUp(
        async (_req, res) => {
          res.writeHead(200, sseHeaders);
          res.write(toSse(textTurn.slice(0, 1)));
          await sleep(300);
          res.end(toSse(textTurn.slice(1)));
        },
        { heartbeatMs: 40 },
      );
      const raw = await rawPost(r, JSON.stringify(request));
      expect(raw.text).toMatch(/\n\n: keep-alive\n\n/);
      const outcome = await collect(chatStream$(request, browser(r)));
      expect(outcome.values).toEqual(textTurn);
      expect(outcome.completed).toBe(true);
    });
  });

  describe('an Express-style parsed body', () => {
    it('should use req.body when a body parser has read the stream', async () => {
      upstream = await startLoopback(streamAll(textTurn));
      const handler = toNodeHandler(createChatHandler({ apiKey: KEY, baseUrl: upstream.url, maxRetries: 0 }));
      relay = await startRelay((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          (req as IncomingMessage & { body?: unknown }).body = { ...JSON.parse(Buffer.concat(chunks).toString('utf8')), parsed: true };
          handler(req, res);
        });
      });
      const outcome = await collect(chatStream$(request, browser(relay)));
      expect(outcome.values).toEqual(textTurn);
      expect(JSON.parse(upstream.requests[0]!.body)).toMatchObject({ parsed: true, stream: true });
    });
  });

  describe('many at once', () => {
    it('should relay 200 concurrent streams, each right', async () => {
      const replay = await startReplayServer({ delayMs: 1, apiKey: KEY });
      try {
        relay = await startRelay(toNodeHandler(createChatHandler({ apiKey: KEY, baseUrl: replay.url, maxRetries: 0 })));
        const r = relay;
        const direct = await lastValueFrom(chatStream$(request, { apiKey: KEY, baseUrl: replay.url }).pipe(textOnly(), toArray()));
        const texts = await Promise.all(
          Array.from({ length: 200 }, () => lastValueFrom(chatStream$(request, browser(r)).pipe(textOnly(), toArray()))),
        );
        for (const text of texts) expect(text).toEqual(direct);
        expect(replay.requests).toHaveLength(201);
        expect(replay.requests.every((q) => q.headers['authorization'] === `Bearer ${KEY}`)).toBe(true);
      } finally {
        await replay.close();
      }
    }, 60_000);
  });
});

describe('createChatHandler with tools (a server-side loop)', () => {
  const get_weather = {
    description: 'Weather',
    parameters: { type: 'object' },
    execute: ({ city }: { city: string }) => ({ city, tempC: 21 }),
  };
  const turn1 = toolCallEvents([{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_1' }], { id: 'turn-1' });
  const turn2 = answerEvents('It is 21 degrees in Paris.', { id: 'turn-2' });
  const lastRole = (body: string) => {
    const messages = (JSON.parse(body) as ChatRequest).messages;
    return messages[messages.length - 1]?.role;
  };

  it('should stream both messages with tool-result and step-end, and complete after the last', async () => {
    const { up, relay: r } = await setUp(
      (req, res, index) => streamAll(lastRole(upstream!.requests[index]!.body) === 'tool' ? turn2 : turn1)(req, res, index),
      { tools: { get_weather } },
    );
    const raw = await rawPost(r, JSON.stringify(request));
    expect(raw.headers.get('x-cohere-rx-stream')).toBe('multi-message');
    const outcome = await collect(chatStream$(request, browser(r)));
    expect(outcome.completed).toBe(true);
    const types = outcome.values.map((e) => (e as { type: string }).type);
    expect(types.filter((t) => t === 'message-end')).toHaveLength(2);
    expect(types.filter((t) => t === 'tool-result')).toHaveLength(1);
    expect(types.filter((t) => t === 'step-end')).toHaveLength(2);
    expect(types[types.length - 1]).toBe('step-end');
    const wire = outcome.values.filter((e) => !['tool-result', 'step-end'].includes((e as { type: string }).type));
    expect(wire).toEqual([...turn1, ...turn2]);
    const result = outcome.values.find((e) => (e as { type: string }).type === 'tool-result') as unknown as { output: unknown };
    expect(result.output).toEqual({ city: 'Paris', tempC: 21 });
    expect(up.requests.length).toBe(4); // two per browser request (rawPost, then chatStream$)
    expect(up.requests.every((q) => q.headers['authorization'] === `Bearer ${KEY}`)).toBe(true);
    // The operators work on it as on runTools$: the answer text.
    const text = await lastValueFrom(chatStream$(request, browser(r)).pipe(textOnly(), toArray()));
    expect(text.join('')).toBe('It is 21 degrees in Paris.');
  });

  it('should end in the browser with the upstream error of a later step, after what arrived', async () => {
    const { relay: r } = await setUp(
      (req, res, index) => {
        if (lastRole(upstream!.requests[index]!.body) !== 'tool') return streamAll(turn1)(req, res, index);
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'overloaded' }));
      },
      { tools: { get_weather } },
    );
    const outcome = await collect(chatStream$(request, browser(r)));
    expect(outcome.values.filter((e) => (e as { type: string }).type === 'step-end')).toHaveLength(1);
    expect(outcome.error).toBeInstanceOf(CohereApiError);
    expect((outcome.error as CohereApiError).status).toBe(503);
    expect((outcome.error as Error).message).toBe('Cohere API request failed with status 503: overloaded');
  });

  it('should give a CohereMaxStepsError with the conversation when the loop reaches maxSteps', async () => {
    const { relay: r } = await setUp(streamAll(turn1), { tools: { get_weather }, maxSteps: 1 });
    const outcome = await collect(chatStream$(request, browser(r)));
    expect(outcome.error).toBeInstanceOf(CohereMaxStepsError);
    expect((outcome.error as CohereMaxStepsError).maxSteps).toBe(1);
    expect((outcome.error as CohereMaxStepsError).messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
  });

  it('should stop a running tool and close the upstream when the browser unsubscribes', async () => {
    let aborted = false;
    const slow = {
      execute: (_args: unknown, { signal }: { signal: AbortSignal }) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve(null);
          });
        }),
    };
    const { relay: r } = await setUp(streamAll(turn1), { tools: { get_weather: slow } });
    const events: ChatStreamEvent[] = [];
    const sub = chatStream$(request, browser(r)).subscribe((e) => events.push(e));
    while (!events.some((e) => e.type === 'message-end')) await sleep(10);
    sub.unsubscribe();
    for (let i = 0; i < 100 && !aborted; i++) await sleep(20);
    expect(aborted).toBe(true);
  });
});

describe("the browser's chatStream$ against a relay's response", () => {
  const toolTurn = toolCallEvents([{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_1' }]);
  const serve = async (handler: Handler) => (upstream = await startLoopback(handler));

  it('should fail with CohereIncompleteStreamError when a multi-message body ends between steps', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { ...sseHeaders, 'x-cohere-rx-stream': 'multi-message' });
      res.end(toSse([...toolTurn, { type: 'tool-result', step: 1, call: {}, output: 1 }]));
    });
    const outcome = await collect(chatStream$(request, { apiKey: '', baseUrl: s.url, maxRetries: 0 }));
    expect(outcome.values).toHaveLength(toolTurn.length + 1);
    expect(outcome.error).toBeInstanceOf(CohereIncompleteStreamError);
  });

  it('should complete a single-message relay at message-end, as for Cohere', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { ...sseHeaders, 'x-cohere-rx-stream': 'single-message' });
      res.write(toSse(textTurn)); // and the connection stays open
    });
    const outcome = await collect(chatStream$(request, { apiKey: '', baseUrl: s.url, maxRetries: 0 }));
    expect(outcome.completed).toBe(true);
    expect(outcome.values).toEqual(textTurn);
  });

  it('should emit an error frame as an unknown event when the response is not a relay', async () => {
    const frame = { type: 'cohere-rx-error', error: { name: 'CohereApiError', message: 'x', status: 500 } };
    const s = await serve(streamAll([textTurn[0], frame, ...textTurn.slice(1)]));
    const outcome = await collect(chatStream$(request, { apiKey: '', baseUrl: s.url, maxRetries: 0 }));
    expect(outcome.completed).toBe(true);
    expect(outcome.values[1]).toEqual(frame);
  });

  it('should rebuild an error the browser cannot name as a plain CohereError with the message', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { ...sseHeaders, 'x-cohere-rx-stream': 'single-message' });
      res.end(toSse([textTurn[0], { type: 'cohere-rx-error', error: { name: 'CohereParseError', message: 'bad data' } }]));
    });
    const outcome = await collect(chatStream$(request, { apiKey: '', baseUrl: s.url, maxRetries: 0 }));
    expect(outcome.error).toMatchObject({ name: 'CohereError', message: 'bad data' });
    expect(outcome.values).toEqual([textTurn[0]]);
  });

  it('should ignore an error frame after message-end in one message (the message-end decides)', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { ...sseHeaders, 'x-cohere-rx-stream': 'single-message' });
      res.end(
        toSse([
          ...textTurn.slice(0, -1),
          messageEnd('COMPLETE'),
          { type: 'cohere-rx-error', error: { name: 'CohereError', message: 'late' } },
        ]),
      );
    });
    const outcome = await collect(chatStream$(request, { apiKey: '', baseUrl: s.url, maxRetries: 0 }));
    expect(outcome.completed).toBe(true);
  });
});
