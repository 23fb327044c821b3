import type { IncomingMessage, ServerResponse } from 'node:http';

/** A `node:http` request, possibly with a body Express (or another middleware) has parsed already. */
export type NodeRequest = IncomingMessage & { body?: unknown };

/**
 * Serves a web-standard handler (such as {@link createChatHandler}'s) from
 * `node:http`, Express, Connect or Fastify's raw handlers.
 *
 * It builds a web `Request` from the Node request (method, headers, URL, the
 * body as a stream, or as JSON when a body parser such as `express.json()`
 * has already read it), calls the handler, and streams the `Response` body
 * to the socket, waiting for `'drain'` when the socket is full. A client that
 * goes away before the end (the response closes unfinished) aborts the
 * `Request`'s `signal` and cancels the body: a chat handler then unsubscribes,
 * which closes its upstream request and stops running tools. A handler that
 * throws is answered 500 (or the socket is closed, when streaming had begun).
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
  let gone = false;
  res.on('close', () => {
    if (res.writableFinished) return;
    gone = true;
    controller.abort();
    void reader?.cancel().catch(() => undefined);
  });
  try {
    const response = await handler(toRequest(req, controller.signal));
    if (gone) {
      void response.body?.cancel().catch(() => undefined);
      return;
    }
    res.statusCode = response.status;
    const cookies = typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : [];
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') res.setHeader(name, value);
    });
    if (cookies.length > 0) res.setHeader('set-cookie', cookies);
    if (!response.body) {
      res.end();
      return;
    }
    res.flushHeaders();
    reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      // The socket is full: wait until it has room (or the client has gone).
      if (!res.write(value)) await drained(res);
    }
    if (!gone) res.end();
  } catch {
    if (gone) return;
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'internal server error' }));
    }
  }
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

/** The web `Request` for a Node request: the body streamed, or re-serialised when a middleware parsed it. */
function toRequest(req: NodeRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const host = req.headers.host ?? 'localhost';
  const secure = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const url = `${secure ? 'https' : 'http'}://${host}${req.url ?? '/'}`;
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (method !== 'GET' && method !== 'HEAD') {
    const parsed = req.body;
    if (parsed !== undefined && (req.readableEnded || req.complete)) {
      // A body parser read the stream: hand its result on as the bytes it stood for.
      const text = typeof parsed === 'string' ? parsed : isBytes(parsed) ? Uint8Array.from(parsed) : JSON.stringify(parsed);
      headers.delete('content-length');
      headers.delete('transfer-encoding');
      init.body = text;
    } else {
      init.body = bodyStream(req);
      init.duplex = 'half';
    }
  }
  return new Request(url, init);
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** The request body as a web stream, read only as fast as it is pulled (the socket is paused meanwhile). */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer | string) => {
        if (!open) return; // cancelled: what is left is read and dropped
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
      req.resume(); // let what is left drain, so the connection stays usable
    },
  });
}
