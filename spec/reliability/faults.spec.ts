import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  chatStream$,
  CohereApiError,
  CohereConnectionError,
  CohereContentTypeError,
  CohereIncompleteStreamError,
  CohereParseError,
  CohereTimeoutError,
  type ChatRequest,
  type ChatStreamEvent,
  type ChatStreamOptions,
  isCohereApiError,
  isCohereConnectionError,
  isCohereParseError,
} from '../../lib';
import { answerEvents, startReplayServer, type ReplayFault, type ReplayServer } from '../../lib/testing';
import { transcriptEvents } from '../helpers/transcripts';
import { collect, type Outcome, errorOf } from '../helpers/collect';
import { sleep, sseHeaders, startLoopback, type Loopback } from '../helpers/loopback';
import { toSse } from '../helpers/sse';

// Every network fault, over real loopback HTTP, with its exact outcome: the
// events delivered so far, then which typed error; or the retried success with
// no duplicated events.
const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] };
const textEvents = transcriptEvents('text');

describe('faults over loopback (replay server)', () => {
  let server: ReplayServer;
  beforeEach(async () => {
    server = await startReplayServer();
  });
  afterEach(() => server.close());
  const run = (options: ChatStreamOptions = {}) => collect(chatStream$(request, { baseUrl: server.url, apiKey: 'k', ...options }));

  type Case = [string, ReplayFault, number, new (...args: never[]) => Error, Partial<Record<string, unknown>>];
  const cases: Case[] = [
    ['reset before headers', { kind: 'reset', at: 'before-headers' }, 0, CohereConnectionError, { phase: 'request' }],
    ['reset after headers', { kind: 'reset', at: 'after-headers' }, 0, CohereConnectionError, { phase: 'body' }],
    ['reset mid-event', { kind: 'reset', afterEvents: 7, midEvent: true }, 7, CohereConnectionError, { phase: 'body' }],
    ['reset between events', { kind: 'reset', afterEvents: 7 }, 7, CohereConnectionError, { phase: 'body' }],
    ['a stall (idle timeout)', { kind: 'stall', afterEvents: 4 }, 4, CohereTimeoutError, { phase: 'idle', timeoutMs: 150 }],
    ['a truncated body', { kind: 'truncate', afterEvents: 9 }, 9, CohereIncompleteStreamError, { eventCount: 9 }],
    ['malformed JSON', { kind: 'malformed', afterEvents: 3 }, 3, CohereParseError, { reason: 'invalid-json' }],
    ['a 2xx HTML page', { kind: 'html' }, 0, CohereContentTypeError, { contentType: 'text/html; charset=utf-8' }],
    ['a 503 with retries off', { kind: 'status', status: 503 }, 0, CohereApiError, { status: 503 }],
  ];

  it.each(cases)('%s: the events before it, then the typed error (no retry)', async (_name, fault, delivered, errorClass, fields) => {
    server.failNext(fault);
    const out = await run({ maxRetries: 0, idleTimeoutMs: 150 });
    expect(out.values).toEqual(textEvents.slice(0, delivered));
    expect(out.error).toBeInstanceOf(errorClass);
    expect(out.error).toMatchObject(fields);
    expect(out.completed).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it.each<[string, ReplayFault]>([
    ['reset before headers', { kind: 'reset', at: 'before-headers' }],
    ['reset after headers', { kind: 'reset', at: 'after-headers' }],
    ['429 with Retry-After in seconds', { kind: 'status', status: 429, retryAfter: '0' }],
    ['429 with Retry-After as an HTTP date', { kind: 'status', status: 429, retryAfter: new Date(Date.now() - 1000).toUTCString() }],
    ['500', { kind: 'status', status: 500 }],
    ['502', { kind: 'status', status: 502 }],
  ])('%s before any event: retried, then every event exactly once', async (_name, fault) => {
    server.failNext(fault);
    const out = await run();
    expect(out.values).toEqual(textEvents);
    expect(out.completed).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('a second failure in a row is retried too, then the last error goes out', async () => {
    server.failNext({ kind: 'status', status: 503, retryAfter: '0' });
    server.failNext({ kind: 'reset', at: 'before-headers' });
    server.failNext({ kind: 'status', status: 500, retryAfter: '0' });
    const out = await run({ maxRetries: 2 });
    expect(server.requests).toHaveLength(3);
    expect(out.values).toEqual([]);
    expect(errorOf(out, isCohereApiError).status).toBe(500);
  });

  it('a stall closes the connection: the server sees the client go', async () => {
    server.failNext({ kind: 'stall', afterEvents: 2 });
    await run({ idleTimeoutMs: 100 });
    await server.waitForClientAborts(1);
    expect(server.activeResponses()).toBe(0);
  });
});

describe('faults over loopback (hand-made HTTP)', () => {
  let s: Loopback | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });
  const run = (url: string, options: ChatStreamOptions = {}) => collect(chatStream$(request, { baseUrl: url, apiKey: 'k', ...options }));

  it('a data line of 8 MiB is handled, whole, under the default limit', async () => {
    const big = { type: 'content-delta', index: 0, delta: { message: { content: { text: 'é'.repeat(4 * 1024 * 1024) } } } };
    const events = [...answerEvents('Before').slice(0, 3), big, ...answerEvents('x').slice(3)];
    s = await startLoopback(async (_req, res) => {
      res.writeHead(200, sseHeaders);
      const body = Buffer.from(toSse(events), 'utf8');
      for (let i = 0; i < body.length; i += 64 * 1024) {
        if (!res.write(body.subarray(i, i + 64 * 1024))) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    });
    const out = await run(s.url);
    expect(out.completed).toBe(true);
    expect(out.values).toHaveLength(events.length);
    expect(out.values[3]).toEqual(big);
  });

  it('a data line of 8 MiB over maxBufferSize is a CohereParseError, after the events before it', async () => {
    s = await startLoopback(async (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write(toSse(textEvents.slice(0, 2)));
      res.write('data: {"type":"content-delta","text":"');
      const piece = 'a'.repeat(64 * 1024);
      for (let i = 0; i < 128 && !res.destroyed; i++) {
        if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
      }
      res.end('"}\n\n');
    });
    const out = await run(s.url, { maxBufferSize: 1024 * 1024 });
    expect(out.values).toEqual(textEvents.slice(0, 2));
    expect(errorOf(out, isCohereParseError).reason).toBe('too-large');
  });

  it('invalid UTF-8 inside a string becomes U+FFFD (as in EventSource); the stream goes on', async () => {
    const before = Buffer.from(
      'event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"a',
      'utf8',
    );
    const after = Buffer.from('b"}}}}\n\n', 'utf8');
    s = await startLoopback((_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write(toSse(textEvents.slice(0, 2)));
      res.write(Buffer.concat([before, Buffer.from([0xff, 0xc3]), after]));
      res.end(toSse(textEvents.slice(-1)));
    });
    const out = await run(s.url);
    expect(out.completed).toBe(true);
    expect(out.values[2]).toEqual({ type: 'content-delta', index: 0, delta: { message: { content: { text: 'a\uFFFD\uFFFDb' } } } });
  });

  it('invalid UTF-8 in the JSON structure is a CohereParseError', async () => {
    s = await startLoopback((_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write(toSse(textEvents.slice(0, 2)));
      res.end(Buffer.concat([Buffer.from('data: {"type":'), Buffer.from([0xfe]), Buffer.from('}\n\n')]));
    });
    const out = await run(s.url);
    expect(out.values).toEqual(textEvents.slice(0, 2));
    expect(errorOf(out, isCohereParseError).reason).toBe('invalid-json');
  });

  it('a slow drip, one byte every 2 ms, completes without an idle timeout', async () => {
    const events = answerEvents('Drip.');
    s = await startLoopback(async (_req, res) => {
      res.writeHead(200, sseHeaders);
      const bytes = Buffer.from(toSse(events), 'utf8');
      for (let i = 0; i < bytes.length && !res.destroyed; i++) {
        res.write(bytes.subarray(i, i + 1));
        await sleep(2);
      }
      res.end();
    });
    // The drip lasts well over the limit (hundreds of bytes × 2 ms): each byte resets it.
    const out = await run(s.url, { idleTimeoutMs: 1000 });
    expect(out.values).toEqual(events);
    expect(out.completed).toBe(true);
  });
});

describe('faults where HTTP framing itself breaks (raw TCP)', () => {
  let server: NetServer | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A TCP server that writes `script(socket)` once the request has arrived. */
  async function raw(script: (socket: Socket) => void): Promise<string> {
    server = createNetServer((socket) => {
      sockets.add(socket);
      let seen = '';
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        const end = seen.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(seen)?.[1] ?? 0);
        if (end >= 0 && seen.length >= end + 4 + length) {
          seen = '';
          script(socket);
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const run = (url: string) => collect(chatStream$(request, { baseUrl: url, apiKey: 'k', maxRetries: 0 }));
  const head = (extra: string) => `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n${extra}\r\n`;

  it('a body shorter than its Content-Length: the events, then CohereConnectionError', async () => {
    const body = toSse(textEvents.slice(0, 3));
    const url = await raw((socket) => {
      socket.write(`${head(`content-length: ${Buffer.byteLength(body) + 500}\r\n`)}${body}`);
      setTimeout(() => socket.destroy(), 20);
    });
    const out = await run(url);
    expect(out.values).toEqual(textEvents.slice(0, 3));
    expect(errorOf(out, isCohereConnectionError).phase).toBe('body');
  });

  it('broken chunked encoding: the events of the good chunks, then CohereConnectionError', async () => {
    const good = toSse(textEvents.slice(0, 2));
    const url = await raw((socket) => {
      socket.write(`${head('transfer-encoding: chunked\r\n')}${Buffer.byteLength(good).toString(16)}\r\n${good}\r\nzz-not-hex\r\nxx\r\n`);
      setTimeout(() => socket.destroy(), 50);
    });
    const out = await run(url);
    expect(out.values).toEqual(textEvents.slice(0, 2));
    expect(out.error).toBeInstanceOf(CohereConnectionError);
  });

  it('a status line that is not HTTP: CohereConnectionError before any event', async () => {
    const url = await raw((socket) => {
      socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    });
    const out = await run(url);
    expect(out.values).toEqual([]);
    expect(errorOf(out, isCohereConnectionError).phase).toBe('request');
  });

  it('a connection closed after the request, before any byte: CohereConnectionError', async () => {
    const url = await raw((socket) => socket.destroy());
    const out: Outcome<ChatStreamEvent> = await run(url);
    expect(out.error).toBeInstanceOf(CohereConnectionError);
  });
});
