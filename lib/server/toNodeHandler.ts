import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ClientStream, directClient } from './clientStream';

/**
 * A `node:http` request, possibly with a body Express (or another middleware)
 * has parsed already, and the path as it came (`originalUrl`) where a router
 * mounted the handler under a prefix (Express's `app.use('/api/v2/chat', …)`).
 */
export type NodeRequest = IncomingMessage & { body?: unknown; originalUrl?: string | undefined };

/** After answering a request whose body was not read to its end, at most this much more of it is read… */
const LINGER_BYTES = 64 * 1024;
/** …for at most this long, so the client can read the answer instead of a reset; then the connection closes. */
const LINGER_MS = 1000;

/**
 * Serves a web-standard handler (such as {@link createChatHandler}'s) from
 * `node:http`, Express, Connect or Fastify's raw handlers.
 *
 * It builds a web `Request` from the Node request (method, headers, URL, the
 * body as a stream, or as JSON when a body parser such as `express.json()`
 * has already read it), calls the handler, and streams the `Response` body
 * to the socket, waiting for `'drain'` when the socket is full: it reads the
 * next chunk of the body only once the socket has taken the last one, which
 * is how the handler learns that a client is not reading. The bodies of
 * cohere-rx's own answers (`createChatHandler`, `toEventStream`) skip the web
 * stream: their frames go to the socket as text, paced by the same `'drain'`
 * (a body wrapped in a transform is read as any other). A client that
 * goes away before the end (the response closes unfinished) aborts the
 * `Request`'s `signal` and cancels the body: a chat handler then unsubscribes,
 * which closes its upstream request and stops running tools. A body that
 * errors (a client dropped for not reading) closes the connection.
 *
 * When the answer comes before the request body has been read to its end
 * (a 413, a 408, a refusal), the connection is closed after it
 * (`Connection: close`): at most 64 KiB more of the body are read, for at
 * most 1 s, so that the client can read the answer rather than a reset, then
 * nothing more. A body parsed by a middleware that cannot be written as JSON
 * again (too deep), and a request whose URL cannot be built (a bad `Host`),
 * are answered 400; a handler that throws, 500 (or the connection is
 * closed, when streaming had begun).
 *
 * ```text
 * client:   POST ──────────────────X          (goes away)
 * request:  signal ----------------aborted
 * body:     --s--d--d--------------cancelled  (upstream closed)
 * ```
 *
 * ## Example
 * A relay on `node:http`, and the same in Express.
 * ```ts
 * import { createServer } from 'node:http';
 * import { createChatHandler, toNodeHandler } from 'cohere-rx/server';
 *
 * const relay = toNodeHandler(createChatHandler({ apiKey: process.env.CO_API_KEY }));
 * createServer((req, res) => {
 *   if (req.url === '/api/v2/chat') relay(req, res); // the page: chatStream$(request, { baseUrl: '/api', apiKey: '' })
 *   else res.writeHead(404).end();
 * }).listen(3000);
 * // Express: app.post('/api/v2/chat', relay);
 * ```
 *
 * @see {@link createChatHandler} for the handler itself.
 * @param handler Any `(request: Request) => Response | Promise<Response>`.
 * @returns A `(req, res) => void` listener; it never throws.
 */
export function toNodeHandler(
  handler: (request: Request) => Response | Promise<Response>,
): (req: NodeRequest, res: ServerResponse) => void {
  return (req, res) => {
    void serve(handler, req, res);
  };
}

async function serve(handler: (request: Request) => Response | Promise<Response>, req: NodeRequest, res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let direct: ClientStream | undefined;
  let gone = false;
  res.on('close', () => {
    if (res.writableFinished) return;
    gone = true;
    controller.abort();
    direct?.cancel();
    void reader?.cancel().catch(() => undefined);
  });
  let request: Request;
  /** Stops handing the request body to the handler (before a drain takes the rest). */
  const body = { stop: (): void => undefined };
  try {
    request = toRequest(req, controller.signal, body);
  } catch (error) {
    const message = error instanceof BadRequest ? error.message : 'invalid request';
    return answer(req, res, 400, message);
  }
  try {
    const response = await handler(request);
    if (gone) {
      void response.body?.cancel().catch(() => undefined);
      return;
    }
    // Answered before the body's end (a refusal): no more of it is read than a short drain.
    const unread = !req.complete;
    res.statusCode = response.status;
    const cookies = typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : [];
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') res.setHeader(name, value);
    });
    if (cookies.length > 0) res.setHeader('set-cookie', cookies);
    if (unread) res.setHeader('connection', 'close');
    if (unread) body.stop();
    if (!response.body) {
      res.flushHeaders();
      return finish(req, res, unread);
    }
    res.flushHeaders();
    direct = directClient(response.body);
    if (direct) {
      // cohere-rx's own stream (createChatHandler, toEventStream): its frames go to the socket as they are,
      // paced by 'drain', with no web stream between.
      const client = direct;
      res.on('drain', () => client.drain());
      client.attach({
        write: (chunk) => res.write(chunk),
        end: () => void finish(req, res, unread),
        destroy: () => res.destroy(),
      });
      return;
    }
    reader = response.body.getReader();
    // A body that errors while a write waits for 'drain' (a client dropped for not reading): close at once.
    reader.closed.catch(() => {
      if (!res.writableFinished) res.destroy();
    });
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      // The socket is full: wait until it has room (or the client has gone).
      if (!res.write(value)) await drained(res);
    }
    if (!gone) await finish(req, res, unread);
  } catch {
    if (gone) return;
    if (res.headersSent) res.destroy();
    else await answer(req, res, 500, 'internal server error');
  }
}

/** Ends the response; after a short drain of the unread request body, when there is one (the connection then closes). */
async function finish(req: IncomingMessage, res: ServerResponse, unread: boolean): Promise<void> {
  if (unread) await linger(req);
  res.end();
}

/** A Cohere-shaped JSON error of toNodeHandler's own. */
function answer(req: IncomingMessage, res: ServerResponse, status: number, message: string): Promise<void> {
  const body = JSON.stringify({ message });
  const unread = !req.complete;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-should-retry': 'false',
    ...(unread ? { connection: 'close' } : {}),
  });
  res.write(body);
  return finish(req, res, unread);
}

/** Reads and drops what comes of the request body for at most `LINGER_BYTES` or `LINGER_MS`, then stops reading. */
function linger(req: IncomingMessage): Promise<void> {
  return new Promise<void>((resolve) => {
    if (req.complete || req.destroyed) return resolve();
    let seen = 0;
    const stop = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', stop);
      req.off('close', stop);
      req.pause();
      resolve();
    };
    const onData = (chunk: Buffer | string): void => {
      seen += chunk.length;
      if (seen >= LINGER_BYTES) stop();
    };
    const timer = setTimeout(stop, LINGER_MS);
    req.on('data', onData);
    req.on('end', stop);
    req.on('close', stop);
    req.resume();
  });
}

/** Resolves at `'drain'`, or when the response closes first. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** A request toNodeHandler answers 400 itself: it cannot be handed on as a web `Request`. */
class BadRequest extends Error {}

/**
 * The web `Request` for a Node request: the body streamed, or re-serialised
 * when a middleware parsed it. `body.stop` is set to end the streaming.
 */
function toRequest(req: NodeRequest, signal: AbortSignal, body: { stop: () => void }): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const host = req.headers.host ?? 'localhost';
  const secure = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  let url: URL;
  try {
    // The whole path, also under a router's prefix: a chat handler tells `…/v2/chat/{id}` by it.
    const path = typeof req.originalUrl === 'string' && req.originalUrl.startsWith('/') ? req.originalUrl : (req.url ?? '/');
    url = new URL(`${secure ? 'https' : 'http'}://${host}${path}`);
  } catch {
    throw new BadRequest('invalid request: its Host header and path make no URL');
  }
  if (url.username || url.password) throw new BadRequest('invalid request: its Host header is not a host');
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (method !== 'GET' && method !== 'HEAD') {
    const parsed = req.body;
    if (parsed !== undefined && (req.readableEnded || req.complete)) {
      // A body parser read the stream: hand its result on as the bytes it stood for.
      let text: BodyInit;
      try {
        text = typeof parsed === 'string' ? parsed : isBytes(parsed) ? Uint8Array.from(parsed) : JSON.stringify(parsed);
      } catch {
        // Deeper than JSON.stringify can go (a RangeError), or a value JSON cannot carry.
        throw new BadRequest('invalid request: the body cannot be read as JSON');
      }
      headers.delete('content-length');
      headers.delete('transfer-encoding');
      init.body = text;
    } else {
      init.body = bodyStream(req, body);
      init.duplex = 'half';
    }
  }
  return new Request(url, init);
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/**
 * The request body as a web stream, read only as fast as it is pulled (the
 * socket is paused meanwhile). Cancelled (the handler refused the body), it
 * stops reading: what is left is toNodeHandler's to drain briefly or not.
 */
function bodyStream(req: IncomingMessage, body: { stop: () => void }): ReadableStream<Uint8Array> {
  let open = true;
  body.stop = () => {
    open = false;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer | string) => {
        if (!open) return; // cancelled: a linger reads and drops
        controller.enqueue(
          typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
        );
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      const end = (error?: Error): void => {
        if (!open) return;
        open = false;
        if (error) controller.error(error);
        else controller.close();
      };
      req.on('end', () => end());
      req.on('error', (error) => end(error));
      req.on('aborted', () => end(new Error('the client aborted the request')));
    },
    pull() {
      req.resume();
    },
    cancel() {
      open = false;
      req.pause();
    },
  });
}
