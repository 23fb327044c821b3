import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ChatStreamEvent } from 'cohere-rx';
import { splitSseFrames } from '../server/sseFrame';
import { defaultPick, sendError, statusMessage, validate } from './replayRequests';
import { frameEvents, sleep, streamFrames } from './replayStream';
import { builtInTranscripts } from './transcripts';

/**
 * Something to go wrong with one request, for testing how an app copes.
 *
 * - `status`: answer with this HTTP status and a Cohere-shaped JSON error
 *   (`{ id, message }`), with `Retry-After` when given.
 * - `reset`: destroy the connection `'before-headers'`, right `'after-headers'`,
 *   or after `afterEvents` events (with `midEvent`, halfway through the next one).
 * - `stall`: send `afterEvents` events, then nothing, keeping the connection open.
 * - `truncate`: send `afterEvents` events, then end the body cleanly (no `message-end`).
 * - `malformed`: after `afterEvents` events, send `data: <line>` that is not JSON, then go on.
 * - `html`: answer 200 with an HTML page (a captive portal, a wrong URL).
 */
export type ReplayFault =
  | { kind: 'status'; status: number; message?: string; retryAfter?: string }
  | { kind: 'reset'; at: 'before-headers' | 'after-headers' }
  | { kind: 'reset'; afterEvents: number; midEvent?: boolean }
  | { kind: 'stall'; afterEvents: number }
  | { kind: 'truncate'; afterEvents: number }
  | { kind: 'malformed'; afterEvents: number; line?: string }
  | { kind: 'html' };

/** Options of {@link startReplayServer}. All are optional. */
export interface ReplayServerOptions {
  /** @default 0 (a free port) */
  port?: number | undefined;
  /** @default '127.0.0.1' */
  host?: string | undefined;
  /**
   * When set, requests must carry `Authorization: Bearer <apiKey>`, else 401.
   * @default undefined (any key, or none, is accepted)
   */
  apiKey?: string | undefined;
  /**
   * Milliseconds between events (realistic token timing). `0` sends the whole transcript at once.
   * @default 0
   */
  delayMs?: number | undefined;
  /** Up to this many extra milliseconds, at random, per event. @default 0 */
  jitterMs?: number | undefined;
  /**
   * How bytes are cut into writes: `'event'`, one write per SSE event; or a
   * number of bytes per write (1 tests the hardest splits).
   * @default 'event'
   */
  chunking?: 'event' | number | undefined;
  /**
   * Your own transcripts by name: SSE text (as recorded) or a list of events
   * (framed for you). They are added to, or replace, the built-in ones.
   */
  transcripts?: Record<string, string | readonly ChatStreamEvent[]> | undefined;
  /**
   * Picks the answer to a request: a transcript's name, or the events
   * themselves (framed for you). `pickByStep()` builds one for a tool loop.
   * @default documents → 'rag'; tools with no tool results yet → 'tool-calls';
   * a tool result last → 'tool-answer'; `thinking` enabled → 'thinking'; else 'text'.
   * The header `X-Replay-Transcript: <name>` overrides it.
   */
  pick?: ((body: Record<string, unknown>) => string | readonly ChatStreamEvent[]) | undefined;
  /** Allow cross-origin requests from pages (CORS, with preflight). @default true */
  cors?: boolean | undefined;
  /**
   * How long an idle keep-alive connection stays open after a response.
   * @default 5000 (Node's default)
   */
  keepAliveTimeoutMs?: number | undefined;
}

/** One request the server received. */
export interface ReplayRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body, or `undefined` when it was not JSON. */
  body: Record<string, unknown> | undefined;
  /** The transcript it was answered with, if any. */
  transcript: string | undefined;
}

/** A running replay server. */
export interface ReplayServer {
  /** `http://host:port`: pass it as `baseUrl`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: readonly ReplayRequest[];
  /** Queues a fault for the next request (one fault per request, in order). */
  failNext(fault: ReplayFault): void;
  /** Connections open now (idle keep-alive connections included). */
  openConnections(): number;
  /** Responses still being sent now. */
  activeResponses(): number;
  /** Responses the client abandoned before their end (unsubscribe, abort, timeout). */
  clientAborts(): number;
  /** Resolves when the client has abandoned `count` responses in all. */
  waitForClientAborts(count?: number): Promise<void>;
  /** Resolves when no connection is open. */
  waitForIdle(): Promise<void>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, accept, x-client-name, x-replay-transcript',
  'access-control-max-age': '600',
};

/**
 * Starts a local Cohere-compatible server that streams recorded chat transcripts.
 *
 * It answers `POST /v2/chat` like Cohere: checks the key (when configured),
 * rejects bad bodies with Cohere-shaped 400/401 JSON, and streams an SSE
 * transcript chosen from the request, with configurable timing, chunking and
 * injected faults. Use it to run apps and tests with no key and no network.
 *
 * ```text
 * POST /v2/chat {messages, tools}  ->  200 text/event-stream: tool-calls transcript
 * POST /v2/chat {documents}        ->  200 text/event-stream: rag transcript (citations)
 * POST /v2/chat (wrong key)        ->  401 {"message":"invalid api token"}
 * ```
 *
 * ## Example
 * Stream from it in a test.
 * ```ts
 * import { chatStream$, textOnly } from 'cohere-rx';
 * import { startReplayServer } from 'cohere-rx/testing';
 * import { lastValueFrom, toArray } from 'rxjs';
 *
 * const server = await startReplayServer();
 * const text = await lastValueFrom(
 *   chatStream$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] }, { baseUrl: server.url })
 *     .pipe(textOnly(), toArray()),
 * );
 * await server.close();
 * ```
 *
 * @see {@link ReplayFault} for the faults it can inject.
 * @param options Port, key check, timing, chunking, transcripts, picker, CORS.
 * @returns The running server.
 */
export async function startReplayServer(options: ReplayServerOptions = {}): Promise<ReplayServer> {
  const { createServer } = await loadHttp();
  const transcripts = new Map<string, string[]>();
  for (const [name, text] of Object.entries(builtInTranscripts)) transcripts.set(name, splitSseFrames(text));
  for (const [name, value] of Object.entries(options.transcripts ?? {})) {
    transcripts.set(name, typeof value === 'string' ? splitSseFrames(value) : frameEvents(value));
  }
  const pick = options.pick ?? defaultPick;
  const cors = options.cors ?? true;
  const faults: ReplayFault[] = [];
  const requests: ReplayRequest[] = [];
  const sockets = new Set<Socket>();
  let aborts = 0;
  let active = 0;
  let abortWaiters: { count: number; resolve: () => void }[] = [];
  let idleWaiters: (() => void)[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> => {
    if (cors) for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'OPTIONS' && cors) {
      res.writeHead(204).end();
      return;
    }
    const record: ReplayRequest = { method: req.method ?? '', path, headers: req.headers, body: undefined, transcript: undefined };
    requests.push(record);
    if (path !== '/v2/chat') return sendError(res, 404, `path ${path} not found`);
    if (req.method !== 'POST') return sendError(res, 405, `method ${req.method ?? ''} not allowed`);

    const fault = faults.shift();
    if (fault?.kind === 'reset' && 'at' in fault && fault.at === 'before-headers') {
      req.socket.destroy();
      return;
    }
    if (options.apiKey !== undefined && req.headers['authorization'] !== `Bearer ${options.apiKey}`) {
      return sendError(res, 401, 'invalid api token');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendError(res, 400, 'invalid request: the body is not valid JSON');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return sendError(res, 400, 'invalid request: the body must be a JSON object');
    }
    record.body = body as Record<string, unknown>;
    const problem = validate(record.body);
    if (problem) return sendError(res, 400, `invalid request: ${problem}`);
    if (fault?.kind === 'status') return sendError(res, fault.status, fault.message ?? statusMessage(fault.status), fault.retryAfter);
    if (fault?.kind === 'html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><body><h1>Sign in to continue</h1></body></html>');
      return;
    }

    const override = req.headers['x-replay-transcript'];
    const picked = typeof override === 'string' && override !== '' ? override : pick(record.body);
    // A picker may answer with events instead of a name (a scripted model).
    const name = typeof picked === 'string' ? picked : '(events)';
    const frames = typeof picked === 'string' ? transcripts.get(picked) : frameEvents(picked);
    if (!frames) return sendError(res, 400, `invalid request: no transcript named ${JSON.stringify(name)}`);
    record.transcript = name;

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    if (fault?.kind === 'reset' && 'at' in fault) {
      res.flushHeaders();
      await sleep(10);
      req.socket.destroy();
      return;
    }
    await streamFrames(res, frames, fault, {
      delayMs: options.delayMs ?? 0,
      jitterMs: options.jitterMs ?? 0,
      chunking: options.chunking ?? 'event',
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      active++;
      res.on('close', () => {
        active--;
        if (res.writableFinished) return;
        aborts++;
        const ready = abortWaiters.filter((w) => aborts >= w.count);
        abortWaiters = abortWaiters.filter((w) => aborts < w.count);
        ready.forEach((w) => w.resolve());
      });
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => res.destroy());
    });
  });
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        waiters.forEach((w) => w());
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    failNext: (fault) => void faults.push(fault),
    openConnections: () => sockets.size,
    activeResponses: () => active,
    clientAborts: () => aborts,
    waitForClientAborts: (count = 1) =>
      aborts >= count ? Promise.resolve() : new Promise<void>((resolve) => abortWaiters.push({ count, resolve })),
    waitForIdle: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * Loads `node:http` when a server starts, not when `cohere-rx/testing` is
 * imported: the event builders of the same entry point then work in browser
 * test runners (Karma, Vitest in a browser), and bundlers leave `node:http` out
 * because the specifier is not a literal.
 */
async function loadHttp(): Promise<typeof import('node:http')> {
  const specifier = 'node:http';
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as typeof import('node:http');
}
