import crossFetch from 'cross-fetch';
import { Subject, take, takeUntil } from 'rxjs';
import {
  chatStream$,
  CohereAbortError,
  CohereApiError,
  CohereConnectionError,
  CohereContentTypeError,
  CohereGenerationError,
  CohereIncompleteStreamError,
  CohereParseError,
  CohereTimeoutError,
  isCohereApiError,
  type ChatStreamEvent,
  isCohereConnectionError,
  isCohereContentTypeError,
  isCohereGenerationError,
  isCohereIncompleteStreamError,
  isCohereParseError,
  isCohereTimeoutError,
  isCohereAbortError,
  isCohereError,
} from '../lib';
import { collect, errorOf, isError, narrow } from './helpers/collect';
import { sleep, sseHeaders, startLoopback, writeInPieces, type Handler, type Loopback } from './helpers/loopback';
import { request, textTurn, toSse } from './helpers/sse';

const KEY = 'test-key-THIS-MUST-NEVER-LEAK-7f3a9c';

let server: Loopback | undefined;
async function serve(handler: Handler): Promise<Loopback> {
  server = await startLoopback(handler);
  return server;
}
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const opts = (s: Loopback, extra: object = {}) => ({ apiKey: KEY, baseUrl: s.url, ...extra });
const sendAll =
  (body: string | Buffer, headers: Record<string, string> = sseHeaders): Handler =>
  (_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  };

describe('chatStream$', () => {
  describe('the request', () => {
    // One request with every option that shapes it; each spec below checks one part of it.
    async function sendOne() {
      const s = await serve(sendAll(toSse(textTurn)));
      const body = { ...request, temperature: 0.3, some_future_field: { kept: [1, 2] } };
      await collect(chatStream$(body as typeof request, opts(s, { clientName: 'my-app', headers: { 'X-Extra': 'yes' } })));
      expect(s.requests).toHaveLength(1);
      return { body, sent: s.requests[0]! };
    }

    it('should POST to /v2/chat', async () => {
      const { sent } = await sendOne();
      expect(sent.method).toBe('POST');
      expect(sent.url).toBe('/v2/chat');
    });

    it('should send the request body unchanged (unknown fields kept) with stream:true', async () => {
      const { body, sent } = await sendOne();
      expect(JSON.parse(sent.body)).toEqual({ ...body, stream: true });
    });

    it('should send the bearer key, accept text/event-stream and a JSON content-type', async () => {
      const { sent } = await sendOne();
      expect(sent.headers['authorization']).toBe(`Bearer ${KEY}`);
      expect(sent.headers['accept']).toBe('text/event-stream');
      expect(sent.headers['content-type']).toBe('application/json');
    });

    it("should send clientName as X-Client-Name, and the caller's extra headers", async () => {
      const { sent } = await sendOne();
      expect(sent.headers['x-client-name']).toBe('my-app');
      expect(sent.headers['x-extra']).toBe('yes');
    });

    it('should send no Authorization header when the key is empty', async () => {
      const s = await serve(sendAll(toSse(textTurn)));
      await collect(chatStream$(request, { apiKey: '', baseUrl: s.url }));
      expect(s.requests[0]!.headers['authorization']).toBeUndefined();
    });

    it('should trim a trailing slash of baseUrl', async () => {
      const s = await serve(sendAll(toSse(textTurn)));
      await collect(chatStream$(request, { apiKey: '', baseUrl: `${s.url}/` }));
      expect(s.requests[0]!.url).toBe('/v2/chat');
    });

    it('should default the key to CO_API_KEY, read at subscribe time', async () => {
      const s = await serve(sendAll(toSse(textTurn)));
      const saved = process.env['CO_API_KEY'];
      const stream$ = chatStream$(request, { baseUrl: s.url });
      process.env['CO_API_KEY'] = 'from-env';
      try {
        await collect(stream$);
      } finally {
        if (saved === undefined) delete process.env['CO_API_KEY'];
        else process.env['CO_API_KEY'] = saved;
      }
      expect(s.requests[0]!.headers['authorization']).toBe('Bearer from-env');
    });
  });

  describe('cold behaviour', () => {
    it('should make no request before subscribe', async () => {
      const s = await serve(sendAll(toSse(textTurn)));
      chatStream$(request, opts(s));
      await sleep(30);
      expect(s.requests).toHaveLength(0);
    });

    it('should make one request per subscription, each with all the events', async () => {
      const s = await serve(sendAll(toSse(textTurn)));
      const stream$ = chatStream$(request, opts(s));
      const [a, b] = await Promise.all([collect(stream$), collect(stream$)]);
      expect(s.requests).toHaveLength(2);
      expect(a.values).toEqual(textTurn);
      expect(b.values).toEqual(textTurn);
    });
  });

  describe('events', () => {
    it('should emit each data object exactly as sent and complete after message-end', async () => {
      const s = await serve(sendAll(toSse(textTurn, { done: true })));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.error).toBeUndefined();
      expect(out.completed).toBe(true);
      expect(out.values).toEqual(textTurn);
    });

    it('should give the same events when the body arrives one byte at a time', async () => {
      const s = await serve(async (_req, res) => {
        res.writeHead(200, sseHeaders);
        await writeInPieces(res, toSse(textTurn, { done: true }), 1);
        res.end();
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.completed).toBe(true);
      expect(out.values).toEqual(textTurn);
    });

    // CRLF and bare CR are both legal SSE line endings; a CR split from its LF must not
    // produce an empty line (which would dispatch too early).
    it.each([
      ['CRLF', '\r\n'],
      ['CR', '\r'],
    ])('should parse %s line endings, also split between bytes', async (_name, eol) => {
      const s = await serve(async (_req, res) => {
        res.writeHead(200, sseHeaders);
        await writeInPieces(res, toSse(textTurn, { eol }), 7);
        res.end();
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn);
      expect(out.completed).toBe(true);
    });

    it('should skip comments, id: and retry: lines and a leading BOM', async () => {
      const body = `\uFEFF: keep-alive\n\nretry: 3000\n${toSse(textTurn.slice(0, 3))}: ping\nid: 42\n${toSse(textTurn.slice(3))}`;
      const s = await serve(sendAll(body));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn);
      expect(out.completed).toBe(true);
    });

    it('should decode a multi-byte character split across chunks', async () => {
      const sse = Buffer.from(toSse(textTurn), 'utf8');
      // Split inside the 4-byte crab emoji: 🦀 is F0 9F A6 80.
      const at = sse.indexOf(Buffer.from('🦀', 'utf8')) + 2;
      const s = await serve(async (_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(sse.subarray(0, at));
        await sleep(20);
        res.end(sse.subarray(at));
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn);
    });

    it('should pass unknown event types through and skip [DONE], even mid-stream', async () => {
      const unknown = { type: 'future-event', payload: { x: 1 } };
      const quoted = { type: 'content-delta', index: 0, delta: { message: { content: { text: 'he said [DONE] then' } } } };
      const events = [textTurn[0], textTurn[1], unknown, quoted, ...textTurn.slice(2)];
      const body = toSse(events.slice(0, 3)) + 'data:  [DONE] \n\n' + toSse(events.slice(3), { done: true });
      const s = await serve(sendAll(body));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(events);
      expect(out.completed).toBe(true);
    });

    it('should join multi-line data fields with a newline', async () => {
      const end = textTurn[textTurn.length - 1];
      const body = `${toSse(textTurn.slice(0, -1))}event: message-end\ndata: {"type":"message-end",\ndata: "delta":{"finish_reason":"COMPLETE"}}\n\n`;
      const s = await serve(sendAll(body));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values.slice(0, -1)).toEqual(textTurn.slice(0, -1));
      expect(out.values[out.values.length - 1]).toEqual({ type: 'message-end', delta: { finish_reason: 'COMPLETE' } });
      expect(end).toBeDefined();
    });
  });

  describe('the end of a stream', () => {
    it('should error with CohereIncompleteStreamError when the body ends before message-end, after the events', async () => {
      const s = await serve(sendAll(toSse(textTurn.slice(0, 4))));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn.slice(0, 4));
      expect(out.error).toBeInstanceOf(CohereIncompleteStreamError);
      expect(errorOf(out, isCohereIncompleteStreamError).eventCount).toBe(4);
      expect(out.completed).toBe(false);
    });

    it('should treat a message-end without its closing blank line at EOF as truncated', async () => {
      const body = toSse(textTurn).replace(/\n\n$/, '\n');
      const s = await serve(sendAll(body));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn.slice(0, -1));
      expect(out.error).toBeInstanceOf(CohereIncompleteStreamError);
    });

    it.each(['ERROR', 'TIMEOUT'] as const)('should emit a message-end with %s, then error with the server text', async (reason) => {
      const end = { type: 'message-end', delta: { finish_reason: reason, error: 'the model fell over' } };
      const s = await serve(sendAll(toSse([...textTurn.slice(0, 3), end])));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual([...textTurn.slice(0, 3), end]);
      expect(out.error).toBeInstanceOf(CohereGenerationError);
      const err = errorOf(out, isCohereGenerationError);
      expect(err.finishReason).toBe(reason);
      expect(err.message).toContain('the model fell over');
      expect(err.event).toEqual(end);
    });

    it('should complete after message-end even if the server keeps the connection open', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn)); // never ends
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.completed).toBe(true);
      expect(out.values).toEqual(textTurn);
      await s.clientClosed(); // and the connection was released
    });

    it('should ignore anything after message-end except the end of the body', async () => {
      const late = { type: 'content-delta', index: 0, delta: { message: { content: { text: 'late' } } } };
      const s = await serve(sendAll(toSse([...textTurn, late])));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn);
      expect(out.completed).toBe(true);
    });
  });

  describe('errors', () => {
    it('should raise CohereApiError with status, parsed body and the server message', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'abc', message: 'invalid api token' }));
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.error).toBeInstanceOf(CohereApiError);
      const err = errorOf(out, isCohereApiError);
      expect(err.status).toBe(401);
      expect(err.body).toEqual({ id: 'abc', message: 'invalid api token' });
      expect(err.message).toBe('Cohere API request failed with status 401: invalid api token');
      expect(isCohereApiError(err)).toBe(true);
      expect(s.requests).toHaveLength(1); // 401 is not retried
    });

    it('should keep a non-JSON error body as text', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('no such route');
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(errorOf(out, isCohereApiError).body).toBe('no such route');
      expect(errorOf(out, isCohereApiError).message).toContain('404: no such route');
    });

    it('should reject a 2xx response that is not text/event-stream', async () => {
      const s = await serve(sendAll('<html><body>Sign in to the Wi-Fi</body></html>', { 'content-type': 'text/html' }));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.error).toBeInstanceOf(CohereContentTypeError);
      const err = errorOf(out, isCohereContentTypeError);
      expect(err.contentType).toBe('text/html');
      expect(err.bodySnippet).toContain('Sign in to the Wi-Fi');
      expect(out.values).toEqual([]);
    });

    it('should raise CohereParseError quoting the bad data, after the events before it', async () => {
      const bad = `{"type":"content-delta","index":0,${'x'.repeat(500)}`;
      const s = await serve(sendAll(`${toSse(textTurn.slice(0, 3))}data: ${bad}\n\n${toSse(textTurn.slice(3))}`));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn.slice(0, 3));
      expect(out.error).toBeInstanceOf(CohereParseError);
      const err = errorOf(out, isCohereParseError);
      expect(err.reason).toBe('invalid-json');
      expect(err.data).toBe(`${bad.slice(0, 200)}…`);
      expect(err.message).toContain('{\\"type\\":\\"content-delta\\"');
    });

    it('should raise CohereParseError for JSON that is not an object', async () => {
      const s = await serve(sendAll(`${toSse(textTurn.slice(0, 1))}data: [1,2]\n\n`));
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn.slice(0, 1));
      expect(errorOf(out, isCohereParseError).reason).toBe('not-an-object');
    });

    it('should raise CohereParseError for an event over maxBufferSize', async () => {
      const big = { type: 'content-delta', index: 0, delta: { message: { content: { text: 'y'.repeat(5000) } } } };
      const s = await serve(sendAll(toSse([...textTurn.slice(0, 2), big, ...textTurn.slice(2)])));
      const out = await collect(chatStream$(request, opts(s, { maxBufferSize: 1000 })));
      expect(out.values).toEqual(textTurn.slice(0, 2));
      expect(errorOf(out, isCohereParseError).reason).toBe('too-large');
    });

    it('should raise CohereConnectionError when nothing listens', async () => {
      const s = await serve(sendAll(''));
      const url = s.url;
      await s.close();
      server = undefined;
      const out = await collect(chatStream$(request, { apiKey: KEY, baseUrl: url, maxRetries: 0 }));
      expect(out.error).toBeInstanceOf(CohereConnectionError);
      expect(errorOf(out, isCohereConnectionError).phase).toBe('request');
      expect(errorOf(out, isCohereConnectionError).message).toMatch(/ECONNREFUSED/);
    });

    it('should never show the API key in any error, even when the server echoes it', async () => {
      const s = await serve((req, res, i) => {
        const auth = String(req.headers['authorization']);
        if (i === 0) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `bad token ${auth}`, token: auth }));
        } else if (i === 1) {
          res.writeHead(200, sseHeaders);
          res.end(`data: {"oops": "${auth}"\n\n`);
        } else {
          res.writeHead(200, sseHeaders);
          res.end(toSse([textTurn[0], { type: 'message-end', delta: { finish_reason: 'ERROR', error: `quota for ${auth}` } }]));
        }
      });
      const errors: unknown[] = [];
      for (let i = 0; i < 3; i++) errors.push((await collect(chatStream$(request, opts(s)))).error);
      expect(errors.map((e) => narrow(e, isCohereError).name)).toEqual(['CohereApiError', 'CohereParseError', 'CohereGenerationError']);
      for (const err of errors) {
        const e = narrow(err, isCohereError);
        for (const shown of [e.message, String(e), e.stack ?? '', JSON.stringify(e), JSON.stringify(isCohereApiError(e) ? e.body : '')]) {
          expect(shown).not.toContain(KEY);
        }
        expect(e.message).toContain('[REDACTED]');
      }
    });
  });

  describe('retries', () => {
    it('should retry a 429 after its Retry-After and emit the success once', async () => {
      const times: number[] = [];
      const s = await serve((_req, res, i) => {
        times.push(Date.now());
        if (i === 0) {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end('{"message":"slow down"}');
        } else void sendAll(toSse(textTurn))(_req, res, i);
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn);
      expect(out.completed).toBe(true);
      expect(s.requests).toHaveLength(2);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    });

    it('should honour Retry-After given as an HTTP date', async () => {
      const s = await serve((_req, res, i) => {
        if (i === 0) {
          res.writeHead(429, { 'retry-after': new Date(Date.now() - 5000).toUTCString() });
          res.end();
        } else void sendAll(toSse(textTurn))(_req, res, i);
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.completed).toBe(true);
      expect(s.requests).toHaveLength(2);
    });

    it('should retry a 503 with backoff, then give up after maxRetries with the last error', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"message":"overloaded"}');
      });
      const out = await collect(chatStream$(request, opts(s, { maxRetries: 2 })));
      expect(s.requests).toHaveLength(3);
      expect(errorOf(out, isCohereApiError).status).toBe(503);
      expect(errorOf(out, isCohereApiError).message).toContain('overloaded');
    });

    it('should retry a 503 then stream the success', async () => {
      const s = await serve((_req, res, i) => {
        if (i === 0) {
          res.writeHead(503, { 'retry-after': '0' });
          res.end();
        } else void sendAll(toSse(textTurn))(_req, res, i);
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn);
      expect(s.requests).toHaveLength(2);
    });

    it('should not retry a 400', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"message":"invalid request: messages is required"}');
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(s.requests).toHaveLength(1);
      expect(errorOf(out, isCohereApiError).status).toBe(400);
    });

    it('should not wait for a Retry-After over a minute: the error goes out with retryAfterMs', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(429, { 'retry-after': '3600' });
        res.end();
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(s.requests).toHaveLength(1);
      expect(errorOf(out, isCohereApiError).retryAfterMs).toBe(3_600_000);
    });

    it('should retry a connection reset before the first event', async () => {
      const s = await serve((_req, res, i) => {
        if (i === 0) {
          res.writeHead(200, sseHeaders);
          res.write(': hello\n\n');
          setTimeout(() => res.socket?.destroy(), 20);
        } else void sendAll(toSse(textTurn))(_req, res, i);
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(out.values).toEqual(textTurn);
      expect(s.requests).toHaveLength(2);
    });

    it('should never retry once an event has been emitted', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 3)));
        setTimeout(() => res.socket?.destroy(), 20);
      });
      const out = await collect(chatStream$(request, opts(s)));
      expect(s.requests).toHaveLength(1);
      expect(out.values).toEqual(textTurn.slice(0, 3));
      expect(out.error).toBeInstanceOf(CohereConnectionError);
      expect(errorOf(out, isCohereConnectionError).phase).toBe('body');
    });
  });

  describe('time limits', () => {
    it('should end a stalled stream with an idle CohereTimeoutError and close the connection', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 2))); // then silence
      });
      const out = await collect(chatStream$(request, opts(s, { idleTimeoutMs: 150 })));
      expect(out.values).toEqual(textTurn.slice(0, 2));
      expect(out.error).toBeInstanceOf(CohereTimeoutError);
      expect(errorOf(out, isCohereTimeoutError).phase).toBe('idle');
      await s.clientClosed();
    });

    it('should not time out a slow stream whose bytes keep coming', async () => {
      const s = await serve(async (_req, res) => {
        res.writeHead(200, sseHeaders);
        for (const event of textTurn) {
          await sleep(60);
          res.write(toSse([event]));
        }
        res.end();
      });
      // The whole stream (8 × 60 ms) outlasts the limit: only the bytes resetting it let it finish.
      const out = await collect(chatStream$(request, opts(s, { idleTimeoutMs: 400 })));
      expect(out.completed).toBe(true);
      expect(out.values).toEqual(textTurn);
    });

    it('should end with a headers CohereTimeoutError when the response never starts', async () => {
      const s = await serve(() => {
        /* never answers */
      });
      const out = await collect(chatStream$(request, opts(s, { timeoutMs: 150 })));
      expect(out.error).toBeInstanceOf(CohereTimeoutError);
      expect(errorOf(out, isCohereTimeoutError).phase).toBe('headers');
      expect(s.requests).toHaveLength(1); // timeouts are not retried
      await s.clientClosed();
    });
  });

  describe('cancellation', () => {
    it('should close the server-side connection on unsubscribe and emit nothing after', async () => {
      const s = await serve(async (_req, res) => {
        res.writeHead(200, sseHeaders);
        for (let i = 0; !res.destroyed; i++) {
          res.write(toSse([{ type: 'content-delta', index: 0, delta: { message: { content: { text: `t${i} ` } } } }]));
          await sleep(5);
        }
      });
      const seen: ChatStreamEvent[] = [];
      const sub = chatStream$(request, opts(s)).subscribe({ next: (e) => seen.push(e) });
      while (seen.length < 3) await sleep(5);
      sub.unsubscribe();
      const countAtUnsubscribe = seen.length;
      await s.clientClosed();
      await sleep(50);
      expect(seen.length).toBe(countAtUnsubscribe);
      expect(s.abortedByClient).toBe(1);
    });

    it('should close the connection when a downstream operator takes only the first events', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 4))); // then keeps the stream open
      });
      const out = await collect(chatStream$(request, opts(s)).pipe(take(2)));
      expect(out.values).toEqual(textTurn.slice(0, 2));
      expect(out.completed).toBe(true);
      await s.clientClosed();
    });

    it('should end the stream with CohereAbortError, caused by the abort reason, when the outside signal aborts', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 2)));
      });
      const controller = new AbortController();
      const done = collect(chatStream$(request, opts(s, { signal: controller.signal })));
      await sleep(100);
      controller.abort(new Error('user pressed stop'));
      const out = await done;
      expect(out.values).toEqual(textTurn.slice(0, 2));
      expect(out.error).toBeInstanceOf(CohereAbortError);
      expect(narrow(errorOf(out, isCohereAbortError).cause, isError).message).toBe('user pressed stop');
      await s.clientClosed();
    });

    it('should add one listener to the outside signal and remove it when that signal aborts', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 2)));
      });
      const controller = new AbortController();
      const added: unknown[] = [];
      const removed: unknown[] = [];
      const add = controller.signal.addEventListener.bind(controller.signal);
      const remove = controller.signal.removeEventListener.bind(controller.signal);
      controller.signal.addEventListener = ((type: string, fn: never, o?: never) => (added.push(fn), add(type, fn, o))) as never;
      controller.signal.removeEventListener = ((type: string, fn: never, o?: never) => (removed.push(fn), remove(type, fn, o))) as never;
      const done = collect(chatStream$(request, opts(s, { signal: controller.signal })));
      await sleep(100);
      controller.abort(new Error('user pressed stop'));
      await done;
      await s.clientClosed();
      expect(added).toHaveLength(1);
      expect(removed).toEqual(added);
    });

    it('should make no request when the outside signal is already aborted', async () => {
      const s = await serve(sendAll(toSse(textTurn)));
      const out = await collect(chatStream$(request, opts(s, { signal: AbortSignal.abort() })));
      expect(out.error).toBeInstanceOf(CohereAbortError);
      await sleep(30);
      expect(s.requests).toHaveLength(0);
    });

    it('should remove the outside-signal listener after a normal completion', async () => {
      const s = await serve(sendAll(toSse(textTurn)));
      const controller = new AbortController();
      let listeners = 0;
      const add = controller.signal.addEventListener.bind(controller.signal);
      const remove = controller.signal.removeEventListener.bind(controller.signal);
      controller.signal.addEventListener = ((t: string, f: never) => (listeners++, add(t, f))) as never;
      controller.signal.removeEventListener = ((t: string, f: never) => (listeners--, remove(t, f))) as never;
      for (let i = 0; i < 5; i++) await collect(chatStream$(request, opts(s, { signal: controller.signal })));
      expect(listeners).toBe(0);
    });

    it('should stop a stream from takeUntil without an error', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 2)));
      });
      const stop$ = new Subject<void>();
      const done = collect(chatStream$(request, opts(s)).pipe(takeUntil(stop$)));
      await sleep(50);
      stop$.next();
      const out = await done;
      expect(out.completed).toBe(true);
      expect(out.values).toEqual(textTurn.slice(0, 2));
      await s.clientClosed();
    });
  });

  describe('with cross-fetch (node-fetch 2, Node-stream bodies)', () => {
    it('should stream the same events', async () => {
      const s = await serve(async (_req, res) => {
        res.writeHead(200, sseHeaders);
        await writeInPieces(res, toSse(textTurn, { eol: '\r\n' }), 5);
        res.end();
      });
      const out = await collect(chatStream$(request, opts(s, { fetch: crossFetch })));
      expect(out.values).toEqual(textTurn);
      expect(out.completed).toBe(true);
    });

    it('should report a truncated body the same way', async () => {
      const s = await serve(sendAll(toSse(textTurn.slice(0, 3))));
      const a = await collect(chatStream$(request, opts(s, { fetch: crossFetch })));
      expect(a.values).toEqual(textTurn.slice(0, 3));
      expect(a.error).toBeInstanceOf(CohereIncompleteStreamError);
    });

    it('should report an API error the same way', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"message":"invalid api token"}');
      });
      const b = await collect(chatStream$(request, opts(s, { fetch: crossFetch })));
      expect(errorOf(b, isCohereApiError).message).toContain('invalid api token');
    });

    it('should close the connection on unsubscribe', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(textTurn.slice(0, 2)));
      });
      const seen: ChatStreamEvent[] = [];
      const sub = chatStream$(request, opts(s, { fetch: crossFetch })).subscribe((e) => seen.push(e));
      while (seen.length < 2) await sleep(5);
      sub.unsubscribe();
      await s.clientClosed();
      expect(seen).toEqual(textTurn.slice(0, 2));
    });
  });
});
