import { chatStream$, CohereConfigError, runTools$, type ChatRequest, type ChatStreamOptions, type ToolDefinition } from 'cohere-rx';
import { MULTI_MESSAGE, RELAY_HEADER, SINGLE_MESSAGE } from '../internal/relay';
import { learningScrubber, type LearningScrub, type Scrub } from '../internal/secret';
import { openEventStream } from './eventStream';
import { sseFrame } from './sseFrame';
import { errorResponseOf, relayErrorInfo } from './relayErrors';
import { heartbeatOf } from './toEventStream';

/** The chat request as the browser sent it (any JSON object; `prepare` decides what it may hold). */
export type IncomingChatRequest = ChatRequest & Record<string, unknown>;

/**
 * Options of {@link createChatHandler}: every `chatStream$()` option but
 * `signal` (each request's own signal is used), used for the upstream
 * request with the **server's** key, plus the relay's own.
 */
export interface ChatHandlerOptions extends Omit<ChatStreamOptions, 'signal'> {
  /**
   * Called with each parsed body before anything goes upstream: the place to
   * authenticate (cookies, a session, a CSRF token), rate-limit, and rewrite
   * (a model allow-list, `max_tokens` caps, a system prompt). Return (or
   * resolve to) a `Response` to answer with it as it is (a 401, a 429), a new
   * body to send instead, or nothing to send the body as it is. Throw a
   * `CohereRelayError` to answer with its status and message. Any other
   * throw is a 500 whose text stays on the server (see `onError`).
   */
  prepare?:
    ((body: IncomingChatRequest, request: Request) => ChatRequest | Response | void | Promise<ChatRequest | Response | void>) | undefined;
  /**
   * The largest request body accepted, in bytes; a larger one is answered 413
   * (by its `Content-Length` at once, else as soon as the count passes it).
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number | undefined;
  /**
   * While the upstream is silent, a comment line goes to the browser after
   * between one and two of these. `0` or `Infinity`: none.
   * @default 15000
   */
  heartbeatMs?: number | undefined;
  /**
   * Tools to run **on the server**: the handler then streams `runTools$()`
   * (every step's events, `tool-result`, `step-end`) instead of one turn, and
   * says so in the `X-Cohere-Rx-Stream: multi-message` header.
   */
  tools?: Record<string, ToolDefinition> | undefined;
  /** With `tools`: `runTools$()`'s `maxSteps`. @default 10 */
  maxSteps?: number | undefined;
  /** With `tools`: `runTools$()`'s `toolConcurrency`. @default Infinity */
  toolConcurrency?: number | undefined;
  /**
   * Sees every error the handler answers for or sends as an error frame
   * (before scrubbing, so log it with care): for your logs and metrics. What
   * it throws is ignored.
   */
  onError?: ((error: unknown, request: Request) => void) | undefined;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Makes the backend a browser app streams Cohere through: a web-standard
 * `(request: Request) => Promise<Response>` that relays one chat with the
 * server's key, which never reaches the browser.
 *
 * It accepts `POST` only (405 with `Allow: POST` otherwise; CORS preflights
 * are not answered: serve the page from the same origin, or put your CORS
 * layer in front). It reads the JSON body up to `maxBodyBytes` (413 over it;
 * 400 when it is not a JSON object), lets `prepare` authenticate, refuse or
 * rewrite it, then streams `chatStream$()` (or `runTools$()` with `tools`)
 * upstream with `stream: true` and the request's `signal`, so a browser that
 * goes away closes the upstream request and stops running tools. It waits
 * for the first event before answering: an error before it is answered with
 * the upstream's status (502 for a connection failure, 504 for a timeout)
 * and a Cohere-shaped JSON body `{ "message": … }`, so the browser's
 * `chatStream$()` raises the same `CohereApiError` it would against Cohere;
 * an error after it ends the stream with an error frame, which the
 * browser's `chatStream$()` turns into the same typed error. Every message
 * is scrubbed of the key.
 *
 * ```text
 * browser POST /api/v2/chat ──► handler ──► prepare(body) ──► POST {baseUrl}/v2/chat (server key)
 *                               ◄── 200 text/event-stream ◄── s--d--d--e--|
 *           ◄── 200 text/event-stream, X-Cohere-Rx-Stream: single-message
 *               s--d--d--e--|
 * upstream 429 before any event  ──►  browser gets 429 {"message": …}
 * upstream cut after d           ──►  browser gets s--d--x| (x: error frame → CohereConnectionError)
 * ```
 *
 * ## Example
 * A relay that signs users in and pins the model, on any web-standard runtime.
 * ```ts
 * import { createChatHandler, CohereRelayError } from 'cohere-rx/server';
 *
 * const handler = createChatHandler({
 *   apiKey: process.env.CO_API_KEY,
 *   prepare: (body, request) => {
 *     if (!request.headers.get('cookie')?.includes('session=')) throw new CohereRelayError(401, 'sign in first');
 *     return { ...body, model: 'command-a-03-2025', max_tokens: Math.min(body.max_tokens ?? 1000, 1000) };
 *   },
 * });
 * export default { fetch: handler };
 * ```
 *
 * @see {@link toNodeHandler} to serve it from `node:http` or Express; docs/server.md for the whole set-up.
 * @param options The upstream options (`apiKey`, `baseUrl`, `maxRetries`, …) and the relay's own.
 * @returns The request handler.
 */
export function createChatHandler(options: ChatHandlerOptions = {}): (request: Request) => Promise<Response> {
  const { prepare, maxBodyBytes, heartbeatMs, tools, maxSteps, toolConcurrency, onError, ...streamOptions } = options;
  delete (streamOptions as ChatStreamOptions).signal; // each request's own signal, never one shared by all
  const heartbeat = heartbeatOf(heartbeatMs);
  const maxBytes = maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes >= 0)) {
    throw new CohereConfigError('maxBodyBytes', `expected a number of bytes, 0 or more, got ${String(maxBytes)}`);
  }
  if (prepare !== undefined && typeof prepare !== 'function') throw new CohereConfigError('prepare', 'expected a function');
  const serverScrub = serverScrubber(streamOptions);
  /**
   * Events go out as the upstream sent them, except that a `message-end`
   * (the one event with server text in it, `delta.error`) is scrubbed of the
   * key: once per message, so the hot path of deltas pays nothing.
   */
  const frameWith =
    (scrub: Scrub) =>
    (event: unknown): string => {
      const text = sseFrame(event);
      return (event as { type?: unknown }).type === 'message-end' ? scrub(text) : text;
    };
  const serverFrame = frameWith(serverScrub);
  const report = (error: unknown, request: Request): void => {
    try {
      onError?.(error, request);
    } catch {
      // a logger that fails must not change the answer
    }
  };

  return async (request: Request): Promise<Response> => {
    // With an apiKey function, each request has its own scrubber, which learns every key the function gives.
    const { options: upstream, scrub } = perRequestKey(streamOptions, serverScrub);
    const frame = scrub === serverScrub ? serverFrame : frameWith(scrub);
    try {
      if (request.method !== 'POST') {
        return jsonError(405, `method ${request.method} is not allowed: POST a chat request`, { allow: 'POST' });
      }
      const read = await readJsonObject(request, maxBytes);
      if (read instanceof Response) return read;
      let body: ChatRequest = read;
      if (prepare) {
        const prepared = await prepare(read, request);
        if (isResponse(prepared)) return prepared;
        if (prepared !== undefined) {
          if (prepared === null || typeof prepared !== 'object')
            throw new TypeError('prepare returned neither a body, a Response nor nothing');
          body = prepared;
        }
      }
      const signal = request.signal;
      // Telemetry hook (lib/internal/telemetry.ts): the caller's trace context (`traceparent`) is continued.
      const telemetry = streamOptions.telemetry?.incoming?.(request.headers) ?? streamOptions.telemetry;
      const events$ = tools
        ? runTools$(body, { ...upstream, telemetry, tools, maxSteps, toolConcurrency, signal })
        : chatStream$(body, { ...upstream, telemetry, signal });
      const { stream, first } = openEventStream(
        events$,
        heartbeat,
        (error) => {
          report(error, request);
          return relayErrorInfo(error, scrub);
        },
        frame,
      );
      const failed = await first;
      if (failed) {
        void stream.cancel().catch(() => undefined);
        const { status, message, headers } = errorResponseOf(failed.error, scrub);
        return jsonError(status, message, headers);
      }
      return new Response(stream, {
        status: 200,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          // nginx and some hosts buffer responses unless told not to.
          'x-accel-buffering': 'no',
          [RELAY_HEADER]: tools ? MULTI_MESSAGE : SINGLE_MESSAGE,
          // Lets a page on another origin read the header (when your CORS layer allows the origin).
          'access-control-expose-headers': RELAY_HEADER,
        },
      });
    } catch (error) {
      report(error, request);
      const { status, message, headers } = errorResponseOf(error, scrub);
      return jsonError(status, message, headers);
    }
  };
}

/** Every form the server's key can take in these options, and `CO_API_KEY`. */
function serverScrubber(options: ChatStreamOptions): LearningScrub {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['CO_API_KEY'];
  const secrets: unknown[] = [options.apiKey, env];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string') secrets.push(value, value.replace(/^\s*bearer\s+/i, ''));
  }
  return learningScrubber(secrets);
}

/**
 * With an `apiKey` function (called by `chatStream$` for each upstream
 * request): the options with a function that also teaches a new scrubber,
 * this request's, each key it gives. Else the options and the shared scrubber.
 */
function perRequestKey(options: ChatStreamOptions, shared: Scrub): { options: ChatStreamOptions; scrub: Scrub } {
  const give = options.apiKey;
  if (typeof give !== 'function') return { options, scrub: shared };
  const scrub = serverScrubber(options);
  const apiKey = (): PromiseLike<string> =>
    Promise.resolve(give()).then((key) => {
      scrub.learn(key);
      return key;
    });
  return { options: { ...options, apiKey }, scrub };
}

/** A Cohere-shaped JSON error: `{ "message": … }`. */
function jsonError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ message }), {
    status,
    headers: { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

/** Reads the body as a JSON object, counting bytes; a 413 or 400 response when it is not one. */
async function readJsonObject(request: Request, maxBytes: number): Promise<IncomingChatRequest | Response> {
  const tooLarge = (): Response => jsonError(413, `the request body is larger than ${maxBytes} bytes`);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) return tooLarge();
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        void reader.cancel().catch(() => undefined);
        return tooLarge();
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return jsonError(400, 'invalid request: the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return jsonError(400, 'invalid request: the body must be a JSON object');
  }
  return value as IncomingChatRequest;
}

/** A `Response` of this realm or of another fetch implementation. */
function isResponse(value: unknown): value is Response {
  if (typeof Response !== 'undefined' && value instanceof Response) return true;
  const v = value as { status?: unknown; headers?: { get?: unknown }; body?: unknown } | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.status === 'number' && typeof v.headers?.get === 'function' && 'body' in v;
}
