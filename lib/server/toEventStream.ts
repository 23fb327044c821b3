import type { Observable } from 'rxjs';
import { CohereConfigError } from 'cohere-rx';
import { openEventStream } from './eventStream';
import { FrameWriter } from './frames';
import { relayErrorInfo } from './relayErrors';

/** Options of {@link toEventStream}. */
export interface EventStreamOptions {
  /**
   * While the source is silent, an SSE comment (`: keep-alive`) goes out
   * after between one and two of these, so that proxies and load balancers
   * that close idle connections keep this one open (and the browser's
   * `idleTimeoutMs` sees bytes). `0` or `Infinity`: no heartbeat.
   * @default 15000
   */
  heartbeatMs?: number | undefined;
  /**
   * A client that takes nothing for this long, in ms, while frames wait for
   * it is dropped: the stream errors (the runtime closes the connection)
   * and the source is unsubscribed. `0` or `Infinity`: never.
   * @default 30000
   */
  clientTimeoutMs?: number | undefined;
}

/** @internal The heartbeat default, shared with `createChatHandler()`. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** @internal Checks a `heartbeatMs` option. */
export function heartbeatOf(value: unknown): number {
  if (value === undefined) return DEFAULT_HEARTBEAT_MS;
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new CohereConfigError(
      'heartbeatMs',
      `expected milliseconds, 0 or more (0 or Infinity: no heartbeat), got ${typeof value === 'number' ? value : typeof value}`,
    );
  }
  return value;
}

/**
 * Turns an Observable of events into a web byte stream in Cohere's own SSE
 * framing, ready to be the body of a `Response`.
 *
 * Each event becomes `event: <type>` and `data: <JSON>` and a blank line, as
 * Cohere sends them, so `chatStream$()` (or any SSE client) reads it back
 * exactly; a `type` in the `cohere-rx-` namespace (which only the relay's
 * own frames use) goes out with no `event:` line. It subscribes when the stream is made; cancelling the stream (the
 * client went away) unsubscribes, which closes the upstream request of a
 * `chatStream$()` source. Completion closes the stream. An error becomes a
 * final error frame, `event: cohere-rx-error` with
 * `data: {"type":"cohere-rx-error","error":{"name":…,"message":…}}`, then the
 * stream closes: a browser's `chatStream$()` raises the matching typed error.
 * A `CohereError`'s name, message and fields go out (the caller scrubs secrets
 * of its own); any other error's text stays on the server. While the source
 * is silent, a comment line keeps the connection alive. A client that
 * takes nothing for `clientTimeoutMs` while frames wait is dropped (an
 * Observable cannot be paused, so what waits is held until then).
 *
 * ```text
 * events$: --s----d----------d--e--|
 * stream:  --s----d----:-----d--e--|     (s, d, e: frames; ':' a heartbeat comment)
 * events$: --s----d--#
 * stream:  --s----d--x|                  (x: the error frame)
 * ```
 *
 * ## Example
 * Stream a chat from a web-standard handler (Bun, Deno, an edge function);
 * it checks nothing, unlike `createChatHandler`.
 * ```ts
 * import { chatStream$ } from 'cohere-rx';
 * import { toEventStream } from 'cohere-rx/server';
 *
 * export default {
 *   fetch: async (request: Request) =>
 *     new Response(toEventStream(chatStream$(await request.json(), { signal: request.signal })), {
 *       headers: { 'content-type': 'text/event-stream' },
 *     }),
 * };
 * ```
 *
 * @see {@link createChatHandler} for a whole relay (body limits, `prepare`, status codes, the key).
 * @param events$ Any Observable of JSON-serialisable events with a string `type`.
 * @param options `heartbeatMs`, `clientTimeoutMs`.
 * @returns A `ReadableStream` of UTF-8 SSE bytes; `cancel()` unsubscribes.
 */
export function toEventStream(events$: Observable<unknown>, options: EventStreamOptions = {}): ReadableStream<Uint8Array> {
  const { clientTimeoutMs = 30_000 } = options;
  if (typeof clientTimeoutMs !== 'number' || !(clientTimeoutMs >= 0)) {
    throw new CohereConfigError(
      'clientTimeoutMs',
      `expected milliseconds, 0 or more (0 or Infinity: never), got ${String(clientTimeoutMs)}`,
    );
  }
  const writer = new FrameWriter();
  return openEventStream(() => events$, {
    writer,
    frame: (event) => writer.upstream(event),
    describe: (error) => relayErrorInfo(error, identity),
    heartbeatMs: heartbeatOf(options.heartbeatMs),
    // An Observable cannot be paused: what the client has not taken waits here (see clientTimeoutMs).
    maxBufferedBytes: Infinity,
    clientTimeoutMs,
  }).stream;
}

const identity = (text: string): string => text;
