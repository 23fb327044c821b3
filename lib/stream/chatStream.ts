import { Observable } from 'rxjs';
import type { EventSourceMessage } from 'eventsource-parser';
import { CohereAbortError } from '../errors/CohereAbortError';
import type { CohereError } from '../errors/CohereError';
import { CohereIncompleteStreamError } from '../errors/CohereIncompleteStreamError';
import { CohereTimeoutError } from '../errors/CohereTimeoutError';
import { onAbort } from '../internal/abortListener';
import type { ByteSource } from '../internal/byteSource';
import { GENERATION_HEADER, GENERATION_ID, MULTI_MESSAGE, RELAY_HEADER, RELAY_HOOKS, type WithRelayHooks } from '../internal/relay';
import { retryWait } from '../internal/retry';
import { safeCause } from '../internal/secret';
import type { ChatTrace } from '../internal/telemetry';
import type { ChatStreamEvent, MessageEndEvent } from '../types/events';
import type { ChatRequest } from '../types/request';
import { Deadlines } from './deadlines';
import { EventDecoder } from './decoder';
import { defaultFetch } from './defaultFetch';
import { connectionFailure, openResponse, type Failure } from './openResponse';
import { keyOf, resolveOptions, type ChatStreamOptions, type FetchLike, type ResponseInfo, type StreamConfig } from './options';
import { errorFromRelay } from './relayError';
import { generationFailure, relayEvents, type RelaySink } from './relayEvents';

/**
 * After `message-end`, how long to wait for the body's end before completing
 * anyway. Servers close right away; waiting lets the connection end cleanly
 * (no abort) instead of being torn down under the last bytes.
 */
const DRAIN_MS = 250;

const ignore = (): void => {};

/**
 * Streams one Cohere v2 chat turn as a cold Observable of its events.
 *
 * No request is made until you subscribe; each subscription makes its own
 * request; unsubscribing aborts it and closes the connection. Each value is
 * the JSON object of one SSE `data:` field, exactly as Cohere sent it. The
 * Observable completes after `message-end`, and errors when the body ends
 * before it, so a cut-off answer never looks finished. Options that can never
 * work fail at subscribe with a `CohereConfigError`, before any request.
 * Pointed at an app's own `cohere-rx/server` relay (`baseUrl: '/api/chat',
 * apiKey: ''`), it also turns the relay's error frame into the typed error,
 * and follows a server-side tool loop to its last message (docs/server.md).
 * When the relay keeps generations (its answer carries
 * `X-Cohere-Rx-Generation`), a connection that breaks is resumed where it
 * broke (a GET with `Last-Event-ID`, never a second POST), and an unsubscribe
 * before the end stops the model (a DELETE): see docs/factory.md and
 * {@link resumeChat$}.
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
 * Keep a relay's generation id, to continue the answer after a reload.
 * ```ts
 * import { chatStream$ } from 'cohere-rx';
 *
 * chatStream$(
 *   { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello!' }] },
 *   { baseUrl: '/api', apiKey: '', onResponse: ({ headers }) => console.log('generation', headers.get('x-cohere-rx-generation')) },
 * ).subscribe();
 * ```
 *
 * @see {@link ChatStreamOptions} for keys, retries and time limits.
 * @param request The `POST /v2/chat` body (snake_case, as Cohere documents it); `stream: true` is added.
 * @param options Key, base URL, fetch, headers, signal, retries and time limits.
 * @returns A cold Observable of every event of the turn.
 */
export function chatStream$(request: ChatRequest, options: ChatStreamOptions = {}): Observable<ChatStreamEvent> {
  // Telemetry hook (lib/internal/telemetry.ts): the recorder wraps the stream and hands each subscription its trace.
  const telemetry = options?.telemetry;
  return typeof telemetry?.chat === 'function'
    ? telemetry.chat(request, options.baseUrl, (trace) => events$(request, options, trace))
    : events$(request, options);
}

/**
 * The stream of {@link chatStream$}; `trace`, with the `telemetry` option, is
 * its recorder's. With `resume` (`resumeChat$`), it starts by GETting that
 * relay's generation instead of POSTing `request` (a `Last-Event-ID` comes in
 * `options.headers`).
 */
export function events$(request: ChatRequest, options: ChatStreamOptions, trace?: ChatTrace, resume?: string): Observable<ChatStreamEvent> {
  return new Observable<ChatStreamEvent>((subscriber) => {
    let config: StreamConfig;
    try {
      config = resolveOptions(request, options);
    } catch (error) {
      return subscriber.error(error); // an option that can never work: before any request
    }
    let { scrub } = config;
    const outerSignal = config.signal;
    // A relay's hooks (lib/internal/relay.ts); a page has none.
    const hooks = (options as WithRelayHooks)[RELAY_HOOKS];
    /** Aborts the request in flight (one per request: a resume's header timeout aborts that attempt only). */
    let controller: AbortController;
    const deadlines = new Deadlines(() => subscriber.closed);
    /** The body being read; cancelled on teardown while a request is in flight. */
    let body: ByteSource | undefined;
    /** A request is open (sent, its body not read to the end): teardown must abort it. */
    let inFlight = false;
    let emitted = 0;
    let endEvent: MessageEndEvent | undefined;
    let fetch: FetchLike;
    /** The request: the POST, until a relay's generation is known; then the GET that resumes it. */
    let init: Parameters<FetchLike>[1];
    /**
     * The id of the relay's generation this stream reads (from the first
     * response's `X-Cohere-Rx-Generation`, or `resume`): once known, a broken
     * connection is resumed with a GET of `{url}/{id}`, never POSTed again
     * (that would start, and bill, a second generation); an unsubscribe before
     * the end DELETEs it (the model stops). Forgotten when the stream errors:
     * an error stops nothing (the generation stays resumable).
     */
    let generation: string | null | undefined;
    /** How each event is read: the same for every connection of the subscription. */
    let reader: ReturnType<typeof relayEvents> | undefined;
    /** Failed attempts in a row: retries before the first event, or resumes that brought no frame. */
    let retries = 0;

    const fail = (error: unknown): void => {
      generation = undefined;
      if (!subscriber.closed) subscriber.error(error);
    };
    // A generation's body that falls silent is a dead connection (a relay sends heartbeats):
    // cancelling it ends the read, and the generation is resumed; anything else times out.
    const watchIdle = (): void =>
      deadlines.watchSilence(config.idleTimeoutMs, () =>
        generation && body ? ((silent = true), body.cancel()) : fail(new CohereTimeoutError('idle', config.idleTimeoutMs)),
      );
    /** The body being read was cancelled for its silence: a cut, not the relay's end. */
    let silent = false;

    /** After `message-end` (and the drain): completes, or errors for `ERROR`/`TIMEOUT`. */
    const finish = (): void => {
      deadlines.clear();
      if (subscriber.closed || !endEvent) return;
      const failure = generationFailure(endEvent, scrub);
      if (failure) fail(failure);
      else subscriber.complete();
    };

    const onEvent = (event: ChatStreamEvent, message?: EventSourceMessage & { count?: number }): void => {
      emitted += message?.count ?? 1; // a relay's run of forwarded messages (RelayHooks.split) counts each
      if (event.type === 'message-end') {
        endEvent = event; // before it is emitted: an unsubscribe in its `next` comes after the end (no Stop)
        deadlines.set(finish, DRAIN_MS);
      }
      subscriber.next(event);
    };
    /** The way a relay's response is read (docs/server.md): see `relayEvents`. */
    const relay: RelaySink = {
      plain: onEvent,
      emit: (event) => {
        emitted++;
        subscriber.next(event);
      },
      setEnd: (end) => (endEvent = end),
      fail: (frame, messages) => fail(errorFromRelay(frame, endEvent, emitted, messages, scrub)),
    };

    /**
     * Reads the body to its end, through the decoder. A connection that breaks
     * (or, for a relay's generation, ends before the end) comes back as its
     * error: `run()` retries it (before any event), resumes it (a
     * generation) or throws it.
     */
    const readBody = async (source: ByteSource, relayHeader: string | null): Promise<CohereError | undefined> => {
      const multi = relayHeader === MULTI_MESSAGE;
      silent = false;
      const read = (reader ??= relayHeader ? relayEvents(multi, relay) : onEvent); // once: a resume keeps the loop's conversation
      const tap = hooks?.tap;
      const ready = hooks?.ready;
      const decoder = new EventDecoder(
        (event, message) => {
          // A frame read already (a relay that replays from the start): dropped, no duplicate.
          if (+message.id! <= +init.headers['last-event-id']!) return;
          tap?.(event, message.data);
          read(event, message);
          // After the event: a frame cut before its end was never read, and is sent again.
          if (message.id) {
            // The next resume starts after it (on a POST this header is never sent: it is not
            // retried once events were read); and a resume that got somewhere (a new id) starts a new count.
            init.headers['last-event-id'] = message.id;
            retries = 0;
          }
        },
        // Nothing after unsubscribe; in one message, nothing after its message-end.
        multi ? () => !subscriber.closed : () => !subscriber.closed && !endEvent,
        config.maxBufferSize,
        scrub,
        hooks?.split,
      );
      watchIdle();
      for (;;) {
        // A relay whose client is behind: wait (not reading lets TCP slow the upstream),
        // with the idle limit off meanwhile; in one message, not once it has ended.
        const wait = ready && (multi || !endEvent) ? ready() : undefined;
        if (wait) {
          deadlines.clear();
          await wait;
          if (subscriber.closed) return undefined;
          watchIdle();
        }
        let chunk: IteratorResult<Uint8Array | string>;
        try {
          chunk = await source.read();
        } catch (thrown) {
          if (subscriber.closed) return undefined;
          // The answer was whole, only the close failed; but a tool loop's final step-end may be still to come: resumed.
          if (endEvent && !(multi && generation)) return void finish();
          return connectionFailure('body', thrown, scrub); // retried or resumed by run(), else thrown there
        }
        if (subscriber.closed) return undefined;
        if (chunk.done) break;
        deadlines.chunks++;
        decoder.push(chunk.value);
        if (subscriber.closed) return undefined;
      }
      inFlight = false;
      decoder.end();
      // A tool loop's body gone silent after its last message-end: its final step-end is still to come (resumed).
      if (endEvent && !(multi && silent)) return void finish();
      if (generation) return new CohereIncompleteStreamError(emitted); // resumed
      fail(new CohereIncompleteStreamError(emitted));
      return undefined;
    };

    /**
     * Requests until one streams to the end: retries what may help while
     * nothing was emitted; once a relay's generation is known, resumes it
     * (a GET from the last `id:` read) instead, at most `maxRetries` times in
     * a row.
     */
    const run = async (): Promise<void> => {
      if (config.apiKey) {
        // An apiKey function gives this subscription's key (its retries reuse it), checked as a string key would be.
        const apiKey = await keyOf(config);
        if (subscriber.closed) return;
        config = resolveOptions(request, { ...options, apiKey });
        scrub = config.scrub;
      }
      fetch = config.fetch ?? (await defaultFetch());
      if (subscriber.closed) return;
      init = { ...config.init };
      if (trace?.headers) init.headers = { ...trace.headers, ...init.headers }; // telemetry hook: trace context
      /** From now on, the requests are the generation's: the same headers, no body (the id was checked: URL-safe). */
      const toGeneration = (id: string): void => {
        generation = id;
        retries = 0; // resumes are counted from here: failed POSTs before it use none of them
        config.url += `/${id}`;
        init.method = 'GET';
        delete init.body;
        delete init.headers['content-type'];
      };
      if (resume) toGeneration(resume);
      // Once the response has arrived, the idle limit covers every read, error bodies included.
      const onHeaders = (info: ResponseInfo): void => {
        watchIdle();
        options.onResponse?.(info); // checked by resolveOptions
      };
      for (; ; retries++) {
        inFlight = true;
        init.signal = (controller = new AbortController()).signal;
        deadlines.watchSilence(config.timeoutMs, () => {
          const error = new CohereTimeoutError('headers', config.timeoutMs);
          // A resume whose answer does not come (a dead instance): that attempt fails, and is retried like any.
          if (generation) controller.abort(error);
          else fail(error);
        });
        const opened = await openResponse(fetch, config.url, init, scrub, onHeaders, () => subscriber.closed);
        if (!opened || subscriber.closed) return;
        let failure: Failure;
        if (opened.ok) {
          const id = opened.headers.get(GENERATION_HEADER);
          if (id && !generation && GENERATION_ID.test(id)) toGeneration(id); // an id unfit for a URL: no generation
          body = opened.body;
          const broken = await readBody(body, opened.headers.get(RELAY_HEADER));
          if (!broken) return;
          failure = { error: broken, retry: true };
        } else {
          failure = opened;
        }
        // The attempt failed before any event, or a generation's connection broke: retry (resume) when it may help.
        const wait = emitted > 0 && !generation ? undefined : retryWait(failure, retries, config.maxRetries);
        if (wait === undefined) throw generation ? new CohereIncompleteStreamError(emitted, { cause: failure.error }) : failure.error;
        body?.cancel();
        body = undefined;
        inFlight = false; // the failed attempt's body is released; nothing of it to abort
        trace?.retry?.(failure.error, retries + 1, wait); // telemetry hook
        await deadlines.sleep(wait);
        if (subscriber.closed) return;
      }
    };

    /** Stop: DELETEs the generation (fire and forget), unless it ended or failed. */
    const stop = (): void => {
      if (generation && !endEvent) {
        // `keepalive`: the DELETE outlives a page being closed or reloaded.
        (async () => fetch(config.url, { method: 'DELETE', headers: init.headers, keepalive: true }))().catch(ignore);
      }
    };
    let forgetOuterSignal: (() => void) | undefined;
    const onOuterAbort = (): void => {
      stop(); // the caller's abort is a Stop too
      fail(new CohereAbortError({ cause: safeCause(outerSignal?.reason, scrub) }));
    };
    if (outerSignal) {
      if (outerSignal.aborted) return onOuterAbort();
      forgetOuterSignal = onAbort(outerSignal, onOuterAbort);
    }

    run().catch(fail);

    return () => {
      deadlines.clear();
      forgetOuterSignal?.();
      stop();
      if (inFlight) {
        controller.abort();
        body?.cancel();
      }
    };
  });
}
