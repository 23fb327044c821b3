import {
  chatStream$,
  CohereConfigError,
  CohereError,
  runTools$,
  type ChatMessage,
  type ChatRequest,
  type ChatStreamOptions,
  type StepEndEvent,
  type ToolDefinition,
  type ToolResultEvent,
} from 'cohere-rx';
import type { Observable } from 'rxjs';
import {
  RELAY_APPROVAL_REQUEST,
  RELAY_HOOKS,
  RELAY_STEP_END,
  RELAY_TOOL_RESULT,
  type RelayErrorInfo,
  type RelayHooks,
} from '../internal/relay';
import { decodingScrub, parseScrubbed } from '../internal/scrubDecoded';
import { relayApprovals, type RelayApprovalOptions } from './approvals';
import { learningScrubber, type LearningScrub, type Scrub } from '../internal/secret';
import { openEventStream } from './eventStream';
import { ForwardedRun, FrameWriter, splitForwarded } from './frames';
import { checkOwner, generationPath, generations, type OwnerOf } from './generations';
import { originPolicy } from './originPolicy';
import { isJsonRequest, readChatRequest } from './readBody';
import { errorResponseOf, FINAL, jsonError, relayErrorInfo, streamHeaders } from './relayErrors';
import { browserLoopEvent, guardTools } from './relayTools';
import type { GenerationStore } from './stores/GenerationStore';
import { heartbeatOf } from './toEventStream';

/** The chat request as the browser sent it (any JSON object; `prepare` decides what it may hold). */
export type IncomingChatRequest = ChatRequest & Record<string, unknown>;

/**
 * Options of {@link createChatHandler}: every `chatStream$()` option but
 * `signal` (each request's own signal is used), used for the upstream
 * request with the **server's** key, plus the relay's own.
 */
export interface ChatHandlerOptions extends Omit<ChatStreamOptions, 'signal'>, RelayApprovalOptions {
  /**
   * Called with each parsed body before anything goes upstream: the place to
   * authenticate (cookies, a session, a CSRF token), rate-limit, and rewrite
   * (a model allow-list, `max_tokens` caps, a system prompt). The body is a
   * JSON object whose `messages`, when present, is an array of objects;
   * every other field is whatever the browser sent, so check its type before
   * using it. Return (or resolve to) a `Response` to answer with it as it is
   * (a 401, a 429), a new body to send instead, or nothing to send the body
   * as it is. Throw a `CohereRelayError` to answer with its status and
   * message. Any other throw is a 500 whose text stays on the server (see
   * `onError`).
   */
  prepare?:
    ((body: IncomingChatRequest, request: Request) => ChatRequest | Response | void | Promise<ChatRequest | Response | void>) | undefined;
  /**
   * The largest request body accepted, in bytes; a larger one is answered
   * 413 (by its `Content-Length` at once, else as soon as the count passes
   * it), with `Connection: close`.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number | undefined;
  /**
   * The longest wait for the whole request body, in ms; a body still
   * arriving after it is answered 408, with `Connection: close`. `0` or
   * `Infinity`: no limit.
   * @default 10000
   */
  bodyTimeoutMs?: number | undefined;
  /**
   * Origins (exactly `scheme://host[:port]`, as browsers send them in
   * `Origin`) whose pages may use this relay besides its own. Requests from
   * any other site are refused (403). Checked when the handler is made.
   * Your CORS layer must still answer their preflights.
   * @default [] (the relay's own origin only)
   */
  allowedOrigins?: readonly string[] | undefined;
  /**
   * The relay's own origin as browsers see it (`https://app.example.com`),
   * when a proxy in front of it ends TLS or changes the host. Checked when
   * the handler is made.
   * @default the request URL's origin (or, with `trustProxy`, the forwarded one)
   */
  publicOrigin?: string | undefined;
  /**
   * Take the own origin from the first `X-Forwarded-Proto` and
   * `X-Forwarded-Host` of each request. Only behind a proxy that sets (and
   * overwrites) both.
   * @default false
   */
  trustProxy?: boolean | undefined;
  /**
   * While the upstream is silent, a comment line goes to the browser after
   * between one and two of these. `0` or `Infinity`: none.
   * @default 15000
   */
  heartbeatMs?: number | undefined;
  /**
   * The most bytes held for one client that does not read: past it, the
   * upstream is not read until the client catches up (TCP slows the
   * upstream down). (The chunk the runtime is writing to the socket comes on
   * top.)
   * @default 1048576 (1 MiB)
   */
  maxBufferedBytes?: number | undefined;
  /**
   * A client that takes nothing for this long, in ms, while frames wait for
   * it is dropped: its connection closes and its upstream request with it.
   * (`idleTimeoutMs` is still the longest silence of the upstream.) `0` or
   * `Infinity`: never.
   * @default 30000
   */
  clientTimeoutMs?: number | undefined;
  /**
   * Tools to run **on the server**: the handler then streams `runTools$()`
   * (every step's events, `tool-result`, `step-end`) instead of one turn, and
   * says so in the `X-Cohere-Rx-Stream: multi-message` header. The model sees
   * these definitions only: a request that carries `tools` is refused (400),
   * and a `tools` field `prepare` adds is not sent.
   */
  tools?: Record<string, ToolDefinition> | undefined;
  /** With `tools`: `runTools$()`'s `maxSteps`. @default 10 */
  maxSteps?: number | undefined;
  /** With `tools`: the most tool calls running at once. @default 4 */
  toolConcurrency?: number | undefined;
  /**
   * Sees every error the handler answers for or sends as an error frame, and
   * every error a server-side tool throws, whole (before scrubbing, so log
   * it with care): for your logs and metrics. What it throws is ignored.
   */
  onError?: ((error: unknown, request: Request) => void) | undefined;
  /**
   * Where generations are kept: with a store, a `POST` starts a
   * **generation** that outlives its connection (a disconnect does not stop
   * it; `DELETE …/v2/chat/{id}` does), its response says its id in
   * `X-Cohere-Rx-Generation` and numbers every frame (`id: 1`, `id: 2`…),
   * and `GET …/v2/chat/{id}` with `Last-Event-ID` resumes it, on any
   * instance sharing the store (docs/server.md, "Resumable generations").
   * `memoryStore()` for one process, `redisStore({ url })` for several.
   * @default undefined (no generations: a disconnect closes the upstream request)
   */
  store?: GenerationStore | undefined;
  /**
   * With a `store`: who a request comes from (a session's user id), recorded
   * when a generation starts; a resume or a stop from anyone else is 404.
   * Throw a `CohereRelayError` to refuse the request (a 401).
   * @default undefined (every generation belongs to everyone who has its id)
   */
  owner?: ((request: Request) => string | Promise<string>) | undefined;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_BODY_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
const DEFAULT_CLIENT_TIMEOUT_MS = 30_000;
const DEFAULT_TOOL_CONCURRENCY = 4;

/**
 * Makes the backend a browser app streams Cohere through: a web-standard
 * `(request: Request) => Promise<Response>` that relays one chat with the
 * server's key, which never reaches the browser, and holds against what the
 * open internet sends it (docs/server.md, "Security").
 *
 * In order: a request from another site (`Sec-Fetch-Site: cross-site`, or
 * an `Origin` that is not the relay's own nor in `allowedOrigins`) is
 * refused (403); it accepts `POST` only (405 with `Allow: POST` otherwise;
 * CORS preflights are not answered: put your CORS layer in front) with a
 * `Content-Type: application/json` body (415 otherwise); it reads the body
 * up to `maxBodyBytes` (413) within `bodyTimeoutMs` (408), both answered
 * with `Connection: close`; a body that is not a JSON object, or too deep,
 * is 400. Then `prepare` authenticates, refuses or rewrites it, and
 * `chatStream$()` (or `runTools$()` with `tools`) streams it upstream with
 * `stream: true` and the request's `signal`, so a browser that goes away
 * closes the upstream request and stops running tools.
 *
 * With a `store`, each `POST` starts a **generation** instead: its id in
 * `X-Cohere-Rx-Generation`, `id: <n>` on every frame, every frame kept in
 * the store; it runs on its own signal, so a browser that goes away stops
 * nothing. `GET …/v2/chat/{id}` (with `Last-Event-ID`) resumes it on any
 * instance sharing the store, `DELETE …/v2/chat/{id}` stops it (the upstream
 * request aborted, the tools stopped), only for its `owner` (404 for anyone
 * else); other methods there are 405 (docs/server.md, "Resumable generations").
 *
 * It waits for the first event before answering: an error before it is
 * answered as Cohere would, with a Cohere-shaped JSON body `{ "message": … }`
 * (the upstream's status, but 502 when the upstream refused the relay's own
 * key, 502 when it cannot be reached, 504 when it is too slow) and
 * `x-should-retry: false`, so the browser's `chatStream$()` raises a
 * `CohereApiError` and does not retry what the relay retried already. An
 * error after it ends the stream with an error frame, which the browser's
 * `chatStream$()` turns into the same typed error. Upstream events go out
 * as the upstream's bytes; the relay's own frames under reserved SSE names
 * that no upstream event is ever written under. Every message is scrubbed
 * of the key, also where the upstream echoed it in JSON escapes.
 *
 * ```text
 * browser POST /api/v2/chat ──► handler ──► prepare(body) ──► POST {baseUrl}/v2/chat (server key)
 *                               ◄── 200 text/event-stream ◄── s--d--d--e--|
 *           ◄── 200 text/event-stream, X-Cohere-Rx-Stream: single-message
 *               s--d--d--e--|
 * upstream 429 before any event  ──►  browser gets 429 {"message": …}, x-should-retry: false
 * upstream cut after d           ──►  browser gets s--d--x| (x: error frame → CohereConnectionError)
 * with a store: POST ──► 200, X-Cohere-Rx-Generation: g, frames id: 1 2 3 …  (the browser goes away after 2)
 *               GET …/v2/chat/g, Last-Event-ID: 2 ──► 3--4--e--|                (from the store, then live)
 *               DELETE …/v2/chat/g ──► 202; every listener: …--x| (x → CohereAbortError)
 * ```
 *
 * ## Example
 * A relay that checks the session and caps the answer, on any web-standard runtime.
 * ```ts
 * import { createChatHandler, CohereRelayError } from 'cohere-rx/server';
 *
 * declare const sessions: { userOf(request: Request): Promise<string | undefined> }; // your session store
 *
 * const handler = createChatHandler({
 *   apiKey: process.env.CO_API_KEY,
 *   prepare: async (body, request) => {
 *     if (!(await sessions.userOf(request))) throw new CohereRelayError(401, 'sign in first');
 *     const asked = body.max_tokens;
 *     const maxTokens = typeof asked === 'number' && Number.isInteger(asked) && asked > 0 ? Math.min(asked, 1000) : 1000;
 *     return { ...body, model: 'command-a-03-2025', max_tokens: maxTokens };
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
  const {
    prepare,
    maxBodyBytes,
    bodyTimeoutMs,
    allowedOrigins,
    publicOrigin,
    trustProxy,
    heartbeatMs,
    maxBufferedBytes,
    clientTimeoutMs,
    tools,
    maxSteps,
    toolConcurrency,
    onError,
    approvalSecret,
    approvalTtlMs,
    approvalOwner,
    claimApproval,
    store,
    owner,
    ...streamOptions
  } = options;
  // Checked before approvals take it up (a bad `owner` is named as such); asked once per request, though a
  // generation and its approval tokens both need it (it may look a session up).
  const ownerOf = oncePerRequest(checkOwner(owner));
  // Tool approval (lib/server/approvals.ts): checked here, at set-up.
  // With `owner`, tokens are bound to the request's owner; with a store, a token is spent once across instances.
  const approvals = relayApprovals(
    {
      approvalSecret,
      approvalTtlMs,
      approvalOwner: approvalOwner ?? ownerOf,
      claimApproval: claimApproval ?? (store ? (token, ttlMs) => store.claim(`approval:${token}`, ttlMs) : undefined),
    },
    tools,
  );
  delete (streamOptions as ChatStreamOptions).signal; // each request's own signal, never one shared by all
  const heartbeat = heartbeatOf(heartbeatMs);
  const maxBytes = amount('maxBodyBytes', maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 'a number of bytes, 0 or more');
  const bodyTimeout = amount('bodyTimeoutMs', bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS, 'milliseconds, 0 or more (0 or Infinity: no limit)');
  const maxBuffered = amount('maxBufferedBytes', maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES, 'a number of bytes, 1 or more', 1);
  const clientTimeout = amount(
    'clientTimeoutMs',
    clientTimeoutMs,
    DEFAULT_CLIENT_TIMEOUT_MS,
    'milliseconds, 0 or more (0 or Infinity: never)',
  );
  if (prepare !== undefined && typeof prepare !== 'function') throw new CohereConfigError('prepare', 'expected a function');
  const refusal = originPolicy({ allowedOrigins, publicOrigin, trustProxy });
  const serverScrub = serverScrubber(streamOptions);
  const report = (error: unknown, request: Request): void => {
    try {
      onError?.(error, request);
    } catch {
      // a logger that fails must not change the answer
    }
  };
  const pacing = { heartbeatMs: heartbeat, maxBufferedBytes: maxBuffered, clientTimeoutMs: clientTimeout };
  // Resumable generations (lib/server/generations.ts), with a store only.
  const kept = store === undefined ? undefined : generations({ store, owner: ownerOf, multi: tools !== undefined, report, ...pacing });

  return async (request: Request): Promise<Response> => {
    // With an apiKey function, each request has its own scrubber, which learns every key the function gives;
    // every scrub looks through JSON escapes too.
    const { options: upstream, scrub: keyScrub } = perRequestKey(streamOptions, serverScrub);
    const scrub = decodingScrub(keyScrub);
    try {
      // The same rules for every method: a page on another site learns nothing here.
      const foreign = refusal(request);
      if (foreign !== undefined) return jsonError(403, foreign, FINAL);
      const generationId = kept && generationPath(request);
      if (kept && generationId !== undefined) return await kept.serve(request, generationId, scrub);
      if (request.method !== 'POST') {
        return jsonError(405, `method ${request.method} is not allowed: POST a chat request`, { ...FINAL, allow: 'POST' });
      }
      if (!isJsonRequest(request)) {
        return jsonError(415, 'the body must be JSON, sent with Content-Type: application/json', FINAL);
      }
      const read = await readChatRequest(request, maxBytes, bodyTimeout);
      if (!('value' in read)) {
        // Too large or too slow: the connection closes (toNodeHandler drains a little first, so the answer is read).
        const close: Record<string, string> = read.status === 413 || read.status === 408 ? { connection: 'close' } : {};
        return jsonError(read.status, read.message, read.status === 408 ? close : { ...FINAL, ...close });
      }
      const incoming = read.value;
      if (tools && 'tools' in incoming) {
        return jsonError(400, 'invalid request: this relay runs its own tools; a request must not carry `tools`', FINAL);
      }
      // Decisions on paused calls: out of the body before prepare (never upstream), for the loop.
      const lifted = approvals.lift(incoming);
      if ('error' in lifted) return jsonError(400, lifted.error, FINAL);
      // The browser's own messages as it sent them, before prepare can add to them (tools only: step-end).
      const own: ChatMessage[] = tools ? copyMessages(incoming.messages) : [];
      let body: ChatRequest = incoming;
      if (prepare) {
        const prepared = await prepare(incoming, request);
        if (isResponse(prepared)) return prepared;
        if (prepared !== undefined) {
          if (prepared === null || typeof prepared !== 'object')
            throw new TypeError('prepare returned neither a body, a Response nor nothing');
          body = prepared;
        }
      }
      const approvalOptions = tools ? await approvals.loopOptions(request, lifted.approvals) : {};
      // With a store, the generation runs on its own signal (a stop, a store failure), not the request's.
      const generation = kept ? await kept.start(request) : undefined;
      const signal = generation ? generation.signal : request.signal;
      // Telemetry hook (lib/internal/telemetry.ts): the caller's trace context (`traceparent`) is continued.
      const telemetry = streamOptions.telemetry?.incoming?.(request.headers) ?? streamOptions.telemetry;
      const writer = new FrameWriter(generation !== undefined);
      // The upstream event decoded last and its data text as received (RelayHooks.tap).
      let tapped: object | undefined;
      let tappedData = '';
      const tap = (event: object, data: string): void => {
        tapped = event;
        tappedData = data;
      };
      const sent = Array.isArray(body.messages) ? body.messages.length : 0;
      const frame = (event: unknown): string => {
        if (event instanceof ForwardedRun) {
          // Messages as they came: without a store (no ids) the run's text is its frames. (With one, the
          // generation frames them itself, each with its id and kept apart.)
          let text = '';
          writer.forwarded(event, (one) => (text += one));
          return text;
        }
        if (event === tapped) {
          tapped = undefined;
          // The message-end carries server text (delta.error): scrubbed as decoded, once per message.
          return writer.upstream(
            event,
            (event as { type?: unknown }).type === 'message-end' ? scrubbedEnd(event, tappedData, scrub) : tappedData,
          );
        }
        const type = (event as { type?: unknown }).type;
        if (type === 'tool-result') return writer.relay(RELAY_TOOL_RESULT, browserLoopEvent(event as ToolResultEvent, own, sent, scrub));
        if (type === 'step-end') return writer.relay(RELAY_STEP_END, browserLoopEvent(event as StepEndEvent, own, sent, scrub));
        if (type === 'tool-approval-request') return writer.relay(RELAY_APPROVAL_REQUEST, event as object);
        return writer.upstream(event);
      };
      const source = (ready: () => Promise<void> | undefined): Observable<unknown> => {
        // Without tools or telemetry nothing here reads what an output event holds: it is forwarded as it came.
        const hooks: RelayHooks = { tap, ready, split: tools || telemetry ? undefined : splitForwarded };
        if (!tools) return chatStream$(body, { ...upstream, telemetry, signal, [RELAY_HOOKS]: hooks } as ChatStreamOptions);
        const { tools: _dropped, ...withoutTools } = body;
        return runTools$(withoutTools, {
          ...upstream,
          telemetry,
          tools: guardTools(tools, scrub, (error) => report(error, request)),
          maxSteps,
          toolConcurrency: toolConcurrency ?? DEFAULT_TOOL_CONCURRENCY,
          ...approvalOptions,
          signal,
          [RELAY_HOOKS]: hooks,
        } as ChatStreamOptions & { tools: Record<string, ToolDefinition> });
      };
      const describe = (error: unknown): RelayErrorInfo => {
        report(error, request);
        return relayErrorInfo(error, scrub);
      };
      const dropped = (what: string) => () =>
        report(new CohereError(`a client read nothing for ${clientTimeout} ms while frames waited: dropped, ${what}`), request);
      const { stream, first } = generation
        ? kept!.open(source, generation, { writer, frame, describe, scrub, request, onDrop: dropped('its generation goes on') })
        : openEventStream(source, { writer, frame, describe, ...pacing, onDrop: dropped('its upstream request closed') });
      // Until the answer's head (with the generation's id) goes out, nobody can resume or stop the generation:
      // a client gone before then stops it, as it would without a store (else its retry bills a second one).
      const orphaned = generation && (() => void store!.stop(generation.id).catch(() => undefined));
      if (orphaned) {
        if (request.signal.aborted) orphaned();
        else request.signal.addEventListener('abort', orphaned, { once: true });
      }
      const failed = await first;
      if (orphaned) request.signal.removeEventListener('abort', orphaned);
      if (failed) {
        void stream.cancel().catch(() => undefined);
        const { status, message, headers } = errorResponseOf(failed.error, scrub);
        return jsonError(status, message, headers);
      }
      return new Response(stream, { status: 200, headers: streamHeaders(tools !== undefined, generation?.id) });
    } catch (error) {
      report(error, request);
      const { status, message, headers } = errorResponseOf(error, scrub);
      return jsonError(status, message, headers);
    }
  };
}

/** `owner`, asked at most once for each request: its answer (or its Promise) is kept with the request. */
function oncePerRequest(owner: OwnerOf | undefined): OwnerOf | undefined {
  if (!owner) return undefined;
  const asked = new WeakMap<Request, string | Promise<string>>();
  return (request) => {
    let who = asked.get(request);
    if (who === undefined) asked.set(request, (who = owner(request)));
    return who;
  };
}

/** A checked number option: `fallback` when absent, else at least `min`. */
function amount(option: string, value: unknown, fallback: number, what: string, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min)) {
    throw new CohereConfigError(option, `expected ${what}, got ${typeof value === 'number' ? value : typeof value}`);
  }
  return value;
}

/**
 * The `data:` text of an upstream `message-end`: as received, unless the
 * event holds the key once decoded (a key sent as `\u0073k…` is one after
 * `JSON.parse`): then the event scrubbed and serialised again.
 */
function scrubbedEnd(event: unknown, data: string, scrub: Scrub): string {
  const json = JSON.stringify(event);
  return scrub(json) === json ? data : JSON.stringify(parseScrubbed(json, scrub));
}

/** A copy of the browser's messages, untouched by what `prepare` may do to the body. */
function copyMessages(messages: unknown): ChatMessage[] {
  return Array.isArray(messages) ? (JSON.parse(JSON.stringify(messages)) as ChatMessage[]) : [];
}

/** Every form the server's key can take in these options, and `CO_API_KEY` (each request wraps it in `decodingScrub`). */
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

/** A `Response` of this realm or of another fetch implementation. */
function isResponse(value: unknown): value is Response {
  if (typeof Response !== 'undefined' && value instanceof Response) return true;
  const v = value as { status?: unknown; headers?: { get?: unknown }; body?: unknown } | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.status === 'number' && typeof v.headers?.get === 'function' && 'body' in v;
}
