import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import { Observable } from 'rxjs';
import { CohereAbortError } from './errors/CohereAbortError';
import { CohereApiError } from './errors/CohereApiError';
import { CohereConnectionError } from './errors/CohereConnectionError';
import { CohereContentTypeError } from './errors/CohereContentTypeError';
import { CohereGenerationError } from './errors/CohereGenerationError';
import { CohereIncompleteStreamError } from './errors/CohereIncompleteStreamError';
import { CohereParseError } from './errors/CohereParseError';
import { CohereTimeoutError } from './errors/CohereTimeoutError';
import { onAbort } from './internal/abortListener';
import { openByteSource, type ByteSource } from './internal/byteSource';
import { backoffMs, isRetryableStatus, parseRetryAfter } from './internal/retry';
import { createScrubber, scrubCause } from './internal/secret';
import type { ChatStreamEvent, MessageEndEvent } from './types/events';
import type { ChatRequest } from './types/request';

/** The part of a fetch `Response` that `chatStream$()` reads. */
export interface FetchResponseLike {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  /** A web `ReadableStream`, or a Node stream / async iterable of bytes. */
  body: unknown;
  text(): Promise<string>;
}

/** Any WHATWG-compatible fetch: `globalThis.fetch`, cross-fetch, node-fetch, undici, a test double. */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<FetchResponseLike>;

/** Options of {@link chatStream$}. All are optional. */
export interface ChatStreamOptions {
  /**
   * Sent as `Authorization: Bearer …`. An empty string sends no key (for an
   * app's own proxy that adds it).
   * @default process.env.CO_API_KEY, where `process` exists
   */
  apiKey?: string | undefined;
  /**
   * The request goes to `${baseUrl}/v2/chat`.
   * @default 'https://api.cohere.com'
   */
  baseUrl?: string | undefined;
  /**
   * The fetch to use.
   * @default globalThis.fetch, else cross-fetch
   */
  fetch?: FetchLike | undefined;
  /** Extra request headers; they override the defaults of the same name. */
  headers?: Record<string, string> | undefined;
  /** Sent as `X-Client-Name`. */
  clientName?: string | undefined;
  /** An outside signal: aborting it ends the stream with a `CohereAbortError`. */
  signal?: AbortSignal | undefined;
  /**
   * How many times to retry before the first event: on 429, 5xx and network
   * failures only, with exponential backoff and jitter, honouring `Retry-After`.
   * @default 2
   */
  maxRetries?: number | undefined;
  /**
   * Longest wait for the response headers, per attempt. `0` or `Infinity` disables it.
   * @default 60000
   */
  timeoutMs?: number | undefined;
  /**
   * Longest silence between bytes once the response has arrived. `0` or `Infinity` disables it.
   * @default 120000
   */
  idleTimeoutMs?: number | undefined;
  /**
   * Largest single SSE event, in characters; a larger one is a `CohereParseError`.
   * @default 16777216 (16 Mi)
   */
  maxBufferSize?: number | undefined;
}

const DEFAULT_BASE_URL = 'https://api.cohere.com';
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_BUFFER_SIZE = 16 * 1024 * 1024;
/** A `Retry-After` longer than this is not waited for: the error goes out with `retryAfterMs`. */
const MAX_RETRY_AFTER_MS = 60_000;
/**
 * After `message-end`, how long to wait for the body's end before completing
 * anyway. Servers close right away; waiting lets the connection end cleanly
 * (no abort) instead of being torn down under the last bytes.
 */
const DRAIN_MS = 250;
/** `{`: every JSON event starts with it, so the `[DONE]` check costs nothing for them. */
const OPEN_BRACE = 123;
const CR = 13;
const STREAM = { stream: true };

/** An attempt that failed in a way worth retrying, if nothing was emitted yet. */
class Retryable {
  constructor(
    readonly error: Error,
    readonly retryAfterMs?: number,
  ) {}
}

/**
 * Streams one Cohere v2 chat turn as a cold Observable of its events.
 *
 * No request is made until you subscribe; each subscription makes its own
 * request; unsubscribing aborts it and closes the connection. Each value is
 * the JSON object of one SSE `data:` field, exactly as Cohere sent it. The
 * Observable completes after `message-end`, and errors when the body ends
 * before it, so a cut-off answer never looks finished.
 *
 * ```text
 * wire:   --message-start--content-delta--content-delta--message-end--(EOF)
 * result: --s--------------d--------------d--------------e-----------|
 * ```
 *
 * ## Example
 * Print an answer as it streams.
 * ```ts
 * import { chatStream$, textOnly } from 'cohere-rx';
 *
 * chatStream$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello!' }] })
 *   .pipe(textOnly())
 *   .subscribe({ next: (text) => process.stdout.write(text), error: console.error });
 * ```
 *
 * @see {@link ChatStreamOptions} for keys, retries and time limits.
 * @param request The `POST /v2/chat` body (snake_case, as Cohere documents it); `stream: true` is added.
 * @param options Key, base URL, fetch, headers, signal, retries and time limits.
 * @returns A cold Observable of every event of the turn.
 */
export function chatStream$(request: ChatRequest, options: ChatStreamOptions = {}): Observable<ChatStreamEvent> {
  return new Observable<ChatStreamEvent>((subscriber) => {
    const apiKey = options.apiKey ?? readEnvApiKey();
    const scrub = createScrubber(apiKey);
    const maxRetries = Math.max(0, options.maxRetries ?? DEFAULT_MAX_RETRIES);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
    const outerSignal = options.signal;

    const controller = new AbortController();
    let source: ByteSource | undefined;
    /** The current body was read to its end: no abort needed. */
    let atEof = false;
    let emitted = 0;
    let endEvent: MessageEndEvent | undefined;

    // One timer serves every time limit: the header timeout, the idle timeout,
    // the wait between retries and the drain after message-end. A chunk only
    // bumps `chunkCount` (no clock read, no timer per chunk); the time limits
    // look at it every quarter of their length.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let chunkCount = 0;
    const clearTimer = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    /** (Re)arms the one timer; never after teardown, which may run before `run()` gets here. */
    const setTimer = (fn: () => void, ms: number): void => {
      clearTimer();
      if (!subscriber.closed) timer = setTimeout(fn, ms);
    };
    /**
     * Fails with a timeout once no chunk has arrived for `limitMs`. Checked every
     * quarter of the limit, it fires after between 1 and 1.25 times the limit
     * of silence, never sooner.
     */
    const watchIdle = (limitMs: number, phase: 'headers' | 'idle'): void => {
      clearTimer();
      if (!(limitMs > 0 && limitMs < Infinity)) return;
      const quarter = limitMs / 4;
      let seen = chunkCount;
      let quietQuarters = 0;
      const check = (): void => {
        if (chunkCount !== seen) {
          seen = chunkCount;
          quietQuarters = 0;
        } else if (++quietQuarters >= 4) {
          fail(new CohereTimeoutError(phase, limitMs));
          return;
        }
        setTimer(check, quarter);
      };
      setTimer(check, quarter);
    };

    const fail = (error: unknown): void => {
      if (!subscriber.closed) subscriber.error(error);
    };

    const onOuterAbort = (): void => {
      fail(new CohereAbortError({ cause: scrubCause(outerSignal?.reason, apiKey) }));
    };

    const finish = (): void => {
      clearTimer();
      if (subscriber.closed || !endEvent) return;
      const reason = endEvent.delta?.finish_reason;
      if (reason === 'ERROR' || reason === 'TIMEOUT') {
        const text = endEvent.delta?.error;
        // The error keeps the event; a server that echoed the key gets it scrubbed there too.
        const raw = JSON.stringify(endEvent);
        const event = scrub(raw) === raw ? endEvent : (JSON.parse(scrub(raw)) as MessageEndEvent);
        fail(new CohereGenerationError(reason, text === undefined ? undefined : scrub(text), event));
      } else {
        subscriber.complete();
      }
    };

    const onMessage = (message: EventSourceMessage): void => {
      if (subscriber.closed || endEvent) return; // nothing after unsubscribe or after message-end
      const data = message.data;
      if (data.length > maxBufferSize) throw tooLarge();
      let event: ChatStreamEvent;
      if (data.charCodeAt(0) === OPEN_BRACE) {
        // Every real event: JSON text that starts with `{` parses to an object or throws.
        event = parseJson(data) as ChatStreamEvent;
      } else {
        if (data.trim() === '[DONE]') return;
        // Anything else (JSON with leading spaces, or not an event at all) must still be an object.
        const value = parseJson(data);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new CohereParseError('not-an-object', scrub(data));
        }
        event = value as ChatStreamEvent;
      }
      emitted++;
      subscriber.next(event);
      if (event.type === 'message-end') {
        endEvent = event;
        setTimer(finish, DRAIN_MS);
      }
    };

    const parseJson = (data: string): unknown => {
      try {
        return JSON.parse(data);
      } catch (cause) {
        throw new CohereParseError('invalid-json', scrub(data), { cause });
      }
    };

    const tooLarge = (): CohereParseError =>
      new CohereParseError('too-large', `<an event over ${maxBufferSize} characters>`);

    const onParserError = (error: ParseError): void => {
      // Unknown fields and bad `retry:` values are ignored, as the SSE spec says.
      if (error.type === 'max-buffer-size-exceeded') throw tooLarge();
    };

    /** Reads one response body to its end, emitting its events. */
    const readBody = async (body: ByteSource): Promise<void> => {
      const decoder = new TextDecoder();
      const parser = createParser({ onEvent: onMessage, onError: onParserError, maxBufferSize });
      watchIdle(idleTimeoutMs, 'idle');
      let text = '';
      for (;;) {
        let chunk: IteratorResult<Uint8Array | string>;
        try {
          chunk = await body.read();
        } catch (cause) {
          if (subscriber.closed) return;
          if (endEvent) return finish(); // the answer was whole; only the close failed
          const error = new CohereConnectionError('body', scrub(describeError(cause)), {
            cause: scrubCause(cause, apiKey),
          });
          if (emitted === 0) throw new Retryable(error);
          throw error;
        }
        if (subscriber.closed) return;
        if (chunk.done) break;
        chunkCount++;
        const value = chunk.value;
        text = typeof value === 'string' ? value : decoder.decode(value, STREAM);
        parser.feed(text);
        if (subscriber.closed) return;
      }
      atEof = true;
      const rest = decoder.decode();
      if (rest !== '') parser.feed((text = rest));
      // The parser holds back a CR that ends a chunk, in case an LF follows. At EOF
      // nothing follows: that CR ended its line (for a CR-only stream, the blank
      // line that dispatches the last event). A lone LF completes it as a CRLF.
      if (text.charCodeAt(text.length - 1) === CR) parser.feed('\n');
      // At EOF the SSE spec discards an event that was not ended by a blank line.
      parser.reset({ consume: true });
      if (subscriber.closed) return;
      if (endEvent) finish();
      else fail(new CohereIncompleteStreamError(emitted));
    };

    /** One request: resolves when the stream is done, throws a `Retryable` or a final error. */
    const attempt = async (fetchImpl: FetchLike, url: string, init: Parameters<FetchLike>[1]): Promise<void> => {
      atEof = false; // a request is in flight: teardown must abort it
      watchIdle(timeoutMs, 'headers');
      let response: FetchResponseLike;
      try {
        response = await fetchImpl(url, init);
      } catch (cause) {
        if (subscriber.closed) return;
        throw new Retryable(
          new CohereConnectionError('request', scrub(describeError(cause)), { cause: scrubCause(cause, apiKey) }),
        );
      }
      if (subscriber.closed) {
        openByteSource(response.body)?.cancel();
        return;
      }
      // From here on the idle limit covers every read, error bodies included.
      watchIdle(idleTimeoutMs, 'idle');
      if (!response.ok) {
        const text = scrub(await readText(response));
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        const error = new CohereApiError(response.status, parseBody(text), retryAfterMs);
        if (isRetryableStatus(response.status)) throw new Retryable(error, retryAfterMs);
        throw error;
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (!/^\s*text\/event-stream\b/i.test(contentType)) {
        throw new CohereContentTypeError(response.status, contentType, scrub(await readText(response)));
      }
      source = openByteSource(response.body);
      if (!source) {
        atEof = true; // no body at all: nothing left open
        throw new CohereIncompleteStreamError(0);
      }
      await readBody(source);
    };

    const run = async (): Promise<void> => {
      const fetchImpl = options.fetch ?? (await defaultFetch());
      const url = `${(options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')}/v2/chat`;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'text/event-stream',
      };
      if (apiKey) headers['authorization'] = `Bearer ${apiKey}`;
      if (options.clientName) headers['x-client-name'] = options.clientName;
      for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
      const init = {
        method: 'POST' as const,
        headers,
        body: JSON.stringify({ ...request, stream: true }),
        signal: controller.signal,
      };

      for (let retries = 0; ; retries++) {
        try {
          await attempt(fetchImpl, url, init);
          return;
        } catch (thrown) {
          if (subscriber.closed) return;
          if (!(thrown instanceof Retryable)) throw thrown;
          const wait = thrown.retryAfterMs ?? backoffMs(retries);
          if (emitted > 0 || retries >= maxRetries || wait > MAX_RETRY_AFTER_MS) throw thrown.error;
          source?.cancel();
          source = undefined;
          atEof = true; // the failed attempt's body is released; nothing of it to abort
          await new Promise<void>((resolve) => setTimer(resolve, wait));
          if (subscriber.closed) return;
        }
      }
    };

    let forgetOuterSignal: (() => void) | undefined;
    if (outerSignal) {
      if (outerSignal.aborted) {
        onOuterAbort();
        return;
      }
      forgetOuterSignal = onAbort(outerSignal, onOuterAbort);
    }

    run().catch(fail);

    return () => {
      clearTimer();
      forgetOuterSignal?.();
      if (!atEof) {
        controller.abort();
        source?.cancel();
      }
    };
  });
}

function readEnvApiKey(): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.['CO_API_KEY'];
}

async function defaultFetch(): Promise<FetchLike> {
  if (typeof globalThis.fetch === 'function') return globalThis.fetch.bind(globalThis) as FetchLike;
  // Only a runtime without a global fetch (Node < 18) gets here. The specifier is
  // not a literal, so browser bundlers (where fetch always exists) leave
  // cross-fetch out instead of shipping it, or warning that it is CommonJS.
  const specifier = 'cross-fetch';
  const mod = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as { default?: FetchLike; fetch?: FetchLike };
  const crossFetch = mod.default ?? mod.fetch;
  if (!crossFetch) throw new Error('No fetch available: pass options.fetch');
  return crossFetch;
}

async function readText(response: FetchResponseLike): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The message of an error from any realm (undici's errors are not this realm's `Error`). */
function messageOf(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

function describeError(error: unknown): string {
  const message = messageOf(error);
  if (message === undefined) return String(error);
  // undici says only "fetch failed"; the reason (ECONNREFUSED, …) is in its cause.
  const cause = messageOf((error as { cause?: unknown }).cause);
  return cause === undefined ? message : `${message} (${cause})`;
}
