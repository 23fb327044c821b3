// What the relay security specs share: a relay on real loopback HTTP, served
// two ways (node:http, and an Express 5 app with express.json() and
// express.urlencoded() mounted before the route, as most apps have them), a
// scripted upstream, and a raw socket client for what browsers never send.
import express from 'express';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { ChatStreamOptions } from '../../lib';
import { createChatHandler, toNodeHandler, type ChatHandlerOptions } from '../../lib/server';
import { startLoopback, type Handler, type Loopback } from '../helpers/loopback';

export const KEY = 'server-key-NEVER-IN-THE-BROWSER-5d1e8a2b';
export const PATH = '/api/v2/chat';

export type Flavour = 'node:http' | 'express';
export const FLAVOURS: readonly Flavour[] = ['node:http', 'express'];

export interface RelayServer {
  url: string;
  /** `http://127.0.0.1:PORT`, what a same-origin page sends as `Origin`. */
  origin: string;
  /** For each connection closed so far, the bytes the relay's server read from it. */
  bytesRead: number[];
  /** How many connections are open now. */
  openConnections(): number;
  /** Requests that reached the relay's handler. */
  hits: number;
  close(): Promise<void>;
}

/**
 * Serves `handle` at {@link PATH} on 127.0.0.1, the `flavour` way. Express:
 * `express.json()` and `express.urlencoded()` mounted first, for every
 * path; with `relayFirst`, the relay's route comes before them (what
 * docs/server.md advises).
 */
export async function serveRelay(
  flavour: Flavour,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  { relayFirst = false } = {},
): Promise<RelayServer> {
  let server: Server;
  if (flavour === 'express') {
    const app = express();
    // The relay's paths: POST on PATH, GET and DELETE on PATH/{id} (a generation's, with a store).
    const paths = [PATH, `${PATH}/:id`];
    if (relayFirst) app.all(paths, (req, res) => handle(req, res));
    app.use(express.json());
    app.use(express.urlencoded({ extended: false }));
    if (!relayFirst) app.all(paths, (req, res) => handle(req, res));
    server = createServer(app);
  } else {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (path === PATH || (path.startsWith(`${PATH}/`) && !path.slice(PATH.length + 1).includes('/'))) handle(req, res);
      else res.writeHead(404).end();
    });
  }
  const sockets = new Set<Socket>();
  const bytesRead: number[] = [];
  let hits = 0;
  server.on('request', () => hits++);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      bytesRead.push(socket.bytesRead);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    origin,
    bytesRead,
    openConnections: () => sockets.size,
    get hits() {
      return hits;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An upstream, a relay to it with the server's key, and what is to be closed after each spec. */
export interface Setup {
  up: Loopback;
  relay: RelayServer;
}

const open: { close(): Promise<void> }[] = [];
/** Closes everything `setUp` started; call from `afterEach`. */
export async function closeAll(): Promise<void> {
  for (const item of open.splice(0).reverse()) await item.close();
}

/** An upstream scripted by `handler`, and a relay in front of it served the `flavour` way. */
export async function setUp(
  flavour: Flavour,
  handler: Handler,
  options: ChatHandlerOptions = {},
  serve = { relayFirst: false },
): Promise<Setup> {
  const up = await startLoopback(handler);
  open.push(up);
  const relay = await serveRelay(
    flavour,
    toNodeHandler(createChatHandler({ apiKey: KEY, baseUrl: up.url, maxRetries: 0, ...options })),
    serve,
  );
  open.push(relay);
  return { up, relay };
}

/** Keeps `item` to be closed by `closeAll`. */
export function keep<T extends { close(): Promise<void> }>(item: T): T {
  open.push(item);
  return item;
}

/** The page's options: no key, the relay as its base URL. */
export const browser = (relay: RelayServer, extra: ChatStreamOptions = {}): ChatStreamOptions => ({
  apiKey: '',
  baseUrl: `${relay.url}/api`,
  maxRetries: 0,
  ...extra,
});

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** A POST as a browser (or anyone) would send it, through fetch: status, headers and body text. */
export async function post(relay: RelayServer, body: BodyInit, headers: Record<string, string> = {}, method = 'POST'): Promise<RawAnswer> {
  const response = await fetch(`${relay.url}${PATH}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
  });
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
}

/** The whole SSE text a relay sends for `body`, read as a page's fetch reads it. */
export async function rawStream(relay: RelayServer, body: object, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return post(relay, JSON.stringify(body), headers);
}

/** Every `(event name, parsed data)` of an SSE text (LF line ends, as the relay writes). */
export function sseMessages(text: string): { name: string | undefined; data: unknown; raw: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.split('\n').some((line) => line.startsWith('data:')))
    .map((block) => {
      const lines = block.split('\n');
      const name = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const raw = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { name, data: JSON.parse(raw) as unknown, raw };
    });
}

export interface RawExchange {
  /** What came back, as text (status line, headers, body). */
  response: string;
  status: number;
  headers: Record<string, string>;
  /** The response body (after the head). */
  text: string;
  /** Bytes this client managed to write before the server closed or it stopped. */
  written: number;
  /** The server closed the connection (an end or a reset). */
  closedByServer: boolean;
  /** The connection ended in a reset (ECONNRESET, EPIPE), not a clean close. */
  reset: boolean;
}

/**
 * A raw HTTP/1.1 exchange over a socket: `head` is written, then `body`
 * chunks as long as `body` yields them and the socket takes them (an
 * endless generator is an endless body). Resolves once the server has closed
 * the connection, or `settleMs` after the response's end when it does not.
 */
export function rawExchange(
  url: string,
  head: string,
  body: Iterable<Buffer | string> | AsyncIterable<Buffer | string> = [],
  settleMs = 2000,
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let response = '';
    let written = 0;
    let settled = false;
    let closedByServer = false;
    let reset = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const [headText = '', ...rest] = response.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const at = line.indexOf(':');
        if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({
        response,
        status: Number(statusLine.split(' ')[1] ?? 0),
        headers,
        written,
        closedByServer,
        reset,
        text: rest.join('\r\n\r\n'),
      });
    };
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
      // A complete answer that the server keeps open: settle a while later.
      if (timer === undefined && response.includes('\r\n\r\n')) timer = setTimeout(done, settleMs);
    });
    socket.on('end', () => {
      closedByServer = true;
      done();
    });
    socket.on('close', () => {
      closedByServer = true;
      done();
    });
    socket.on('error', () => {
      closedByServer = true;
      reset = true;
      done();
    });
    socket.on('connect', () => {
      void (async () => {
        const write = (data: Buffer | string): Promise<boolean> =>
          new Promise((ok) => {
            if (settled || socket.destroyed || !socket.writable) return ok(false);
            written += Buffer.byteLength(data);
            if (socket.write(data)) ok(true);
            else {
              const go = (): void => {
                socket.off('drain', go);
                socket.off('close', go);
                ok(!settled && !socket.destroyed);
              };
              socket.on('drain', go);
              socket.on('close', go);
            }
          });
        if (!(await write(head))) return;
        for await (const chunk of body as AsyncIterable<Buffer | string>) {
          if (!(await write(chunk))) return;
        }
      })();
    });
  });
}

/** The request head of a raw POST to the relay. */
export function rawHead(relay: RelayServer, headers: Record<string, string>): string {
  const lines = [`POST ${PATH} HTTP/1.1`, `Host: ${new URL(relay.url).host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A chunked body: `size`-byte chunks of JSON-ish text, `count` of them (by default forever, or until the socket closes). */
export function* endlessChunks(size = 16 * 1024, count = Infinity): Generator<string> {
  const piece = `${size.toString(16)}\r\n${'['.repeat(size)}\r\n`;
  for (let i = 0; i < count; i++) yield piece;
}

/** Resolves after `ms` (for waits between steps, never as a bound in an assertion). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `condition` every 10 ms until it holds (the spec's own timeout bounds it). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}
