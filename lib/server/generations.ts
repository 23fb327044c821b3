import { CohereConfigError, CohereError } from 'cohere-rx';
import type { Observable, Subscription } from 'rxjs';
import { RELAY_ERROR, type RelayErrorInfo } from '../internal/relay';
import type { Scrub } from '../internal/secret';
import { ClientStream } from './clientStream';
import type { EventStreamEngineOptions, FirstOutcome } from './eventStream';
import { ForwardedRun, FrameWriter } from './frames';
import { FINAL, jsonError, relayErrorInfo, streamHeaders } from './relayErrors';
import { isCohereStoreError } from './stores/CohereStoreError';
import type { GenerationStore, GenerationWriter, StoredFrame } from './stores/GenerationStore';
import { isGenerationId } from './stores/checks';

// The relay's resumable generations (docs/server.md, "Resumable generations"):
// a POST with a store starts one, detached from its request; a GET of
// `…/v2/chat/{id}` resumes it from the store; a DELETE stops it. Every client
// of a generation (the POST's own, and each resume) is fed by a `Feed`, which
// never makes the generation wait: a client that falls `maxBufferedBytes`
// behind stops being fed and catches up from the store once it reads again.

/** `ChatHandlerOptions.owner`: who a request comes from (a session's user id). */
export type OwnerOf = (request: Request) => string | Promise<string>;

/** How every client of a generation is paced (the handler's options). */
export type Pacing = Pick<EventStreamEngineOptions, 'heartbeatMs' | 'maxBufferedBytes' | 'clientTimeoutMs'>;

/** What {@link generations} needs of the handler. */
export interface GenerationsOptions extends Pacing {
  store: unknown;
  owner: unknown;
  /** With server-side tools: the `X-Cohere-Rx-Stream` value of every answer. */
  multi: boolean;
  /** The handler's `onError`, guarded. */
  report: (error: unknown, request: Request) => void;
}

/** How the POST's frames are made and described (the handler's, as without a store; its writer with ids). */
export interface OpenOptions extends Pick<EventStreamEngineOptions, 'writer' | 'frame' | 'describe' | 'onDrop'> {
  scrub: Scrub;
  request: Request;
}

/** The relay's generations, one per handler. */
export interface Generations {
  /** Starts a generation for a POST: its owner, a new id, the store's writer (a `CohereStoreError` → 503). */
  start(request: Request): Promise<GenerationWriter>;
  /** Runs the source as the generation, detached from the request; the stream is the POST client's. */
  open(
    source: (ready: () => Promise<void> | undefined) => Observable<unknown>,
    generation: GenerationWriter,
    options: OpenOptions,
  ): { stream: ReadableStream<Uint8Array>; first: Promise<FirstOutcome> };
  /** Answers a request on `…/v2/chat/{id}`: GET resumes, DELETE stops, anything else 405. */
  serve(request: Request, id: string, scrub: Scrub): Promise<Response>;
}

/** `…/v2/chat/{id}` (a trailing slash allowed): the path of one generation. */
const GENERATION_PATH = /\/v2\/chat\/([^/]+)\/?$/;

const NOT_FOUND = 'no such generation: unknown, expired, or not yours';
const BAD_LAST_EVENT_ID = 'invalid Last-Event-ID: expected the id of the last frame received, a whole number (0 or more)';

/**
 * The generation a request's path names (`…/v2/chat/{id}`, the id
 * URL-decoded), or `undefined` for any other path (the POST's).
 */
export function generationPath(request: Request): string | undefined {
  let path: string;
  try {
    path = new URL(request.url).pathname;
  } catch {
    return undefined;
  }
  const segment = GENERATION_PATH.exec(path)?.[1];
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // not an id either way: 404
  }
}

/**
 * The relay's generations on `store`, checked at set-up: `store` must have
 * the `GenerationStore` methods the relay calls, `owner` be a function.
 */
export function generations(options: GenerationsOptions): Generations {
  const { multi, report } = options;
  const store = checkStore(options.store);
  const owner = checkOwner(options.owner);
  const pacing: Pacing = options;

  const ownerOf = async (request: Request): Promise<string | undefined> => {
    if (owner === undefined) return undefined;
    const who: unknown = await owner(request);
    if (typeof who !== 'string') throw new TypeError(`owner(request) must return a string, got ${typeof who}`);
    return who;
  };

  return {
    async start(request) {
      const who = await ownerOf(request);
      return store.start(await newId(), { owner: who });
    },

    open(source, generation, { writer, frame, describe, scrub, request, onDrop }) {
      let settle: (outcome: FirstOutcome) => void = () => {};
      const first = new Promise<FirstOutcome>((resolve) => (settle = resolve));
      const feed = new Feed((after) => store.read(generation.id, after), pacing, 0, true, {
        describe: (error) => readerError(error, scrub),
        report: (error) => report(error, request),
        onDrop,
      });
      const keep = (seq: number, text: string): void => {
        try {
          generation.append(seq, text);
        } catch (error) {
          report(error, request); // a bug: frames are appended in order, as strings
        }
      };
      const put = (text: string): void => {
        keep(writer.lastId, text);
        feed.frame(writer.lastId, text);
      };
      let ended = false;
      const finish = (): void => {
        if (ended) return;
        ended = true;
        generation.end().catch((error: unknown) => report(error, request));
      };
      const fail = (error: unknown): void => {
        if (ended) return;
        const why: unknown = generation.signal.aborted ? generation.signal.reason : undefined;
        if (isCohereStoreError(why) && why.reason !== 'stopped') {
          // The store failed: nothing more can be stored. The own client is told (a frame with no
          // id: it is no frame of the generation); readers elsewhere get the failure from the store.
          settle({ error: why });
          report(why, request);
          feed.end(new FrameWriter().relay(RELAY_ERROR, { type: RELAY_ERROR, error: relayErrorInfo(why, scrub) }));
          finish();
          return;
        }
        settle({ error });
        // A stop (the upstream aborted: CohereAbortError) or the upstream's own failure: the generation's last frame.
        put(writer.relay(RELAY_ERROR, { type: RELAY_ERROR, error: describe(error) }));
        feed.end();
        finish();
      };
      // Detached: the generation reads the upstream as fast as it comes (its clients never hold it back)
      // and runs until its end or a stop, whoever reads it.
      const held: { subscription?: Subscription } = {};
      let over = false;
      const subscription = source(() => undefined).subscribe({
        next: (event) => {
          settle(undefined);
          // Upstream messages forwarded as they came: a frame (and an id) each.
          if (event instanceof ForwardedRun) return writer.forwarded(event, put);
          let text: string;
          try {
            text = frame(event);
          } catch (error) {
            // An event that cannot be framed (a BigInt in it): the generation fails with it.
            over = true;
            held.subscription?.unsubscribe();
            fail(error);
            return;
          }
          put(text);
        },
        error: fail,
        complete: () => {
          settle(undefined);
          feed.end();
          finish();
        },
      });
      held.subscription = subscription;
      if (over) subscription.unsubscribe();
      return { stream: feed.client.stream, first };
    },

    async serve(request, id, scrub) {
      const method = request.method;
      if (method !== 'GET' && method !== 'DELETE') {
        return jsonError(405, `method ${method} is not allowed on a generation: GET resumes it, DELETE stops it`, {
          ...FINAL,
          allow: 'GET, DELETE',
        });
      }
      let after = 0;
      if (method === 'GET') {
        const last = request.headers.get('last-event-id');
        if (last !== null) {
          if (!/^\s*\d{1,15}\s*$/.test(last)) return jsonError(400, BAD_LAST_EVENT_ID, FINAL);
          after = Number(last);
        }
      }
      const who = await ownerOf(request);
      const info = isGenerationId(id) ? await store.info(id) : undefined;
      // Unknown, expired and someone else's look the same: an id says nothing to whoever does not own it.
      if (info === undefined || info.owner !== who) return jsonError(404, NOT_FOUND, FINAL);
      if (method === 'DELETE') {
        const stopping = info.state === 'running' && (await store.stop(id));
        // 202: the stop is on its way to the instance running it; 204: nothing runs any more.
        return new Response(null, { status: stopping ? 202 : 204, headers: { 'cache-control': 'no-store' } });
      }
      const feed = new Feed((from) => store.read(id, from), pacing, after, false, {
        describe: (error) => readerError(error, scrub),
        report: (error) => report(error, request),
        onDrop: () =>
          report(new CohereError(`a resuming client read nothing for ${pacing.clientTimeoutMs} ms while frames waited: dropped`), request),
      });
      return new Response(feed.client.stream, { status: 200, headers: streamHeaders(multi, id) });
    },
  };
}

/**
 * One client of a generation. Frames go to it at once while it keeps up:
 * the runner's own (`direct`, the POST's client) or the store's (a resume).
 * Past `maxBufferedBytes` waiting for it, it is fed no more until it has
 * taken them; then it catches up from the store after the last frame it got.
 * So a slow client costs at most `maxBufferedBytes` and never slows the
 * generation; one stuck past `clientTimeoutMs` is dropped.
 */
class Feed {
  readonly client: ClientStream;
  private subscription: Subscription | undefined;
  /** No more frames for this client: it has its end, went away, or was dropped. */
  private over = false;
  /** Reading the store is paused while the client catches up. */
  private paused = false;

  constructor(
    private readonly read: (after: number) => Observable<StoredFrame>,
    private readonly pacing: Pacing,
    /** The last frame the client has (its `Last-Event-ID`). */
    private last: number,
    /** Fed by the runner (`frame`, `end`) rather than by the store. */
    private direct: boolean,
    private readonly hooks: {
      describe(error: unknown): RelayErrorInfo;
      report(error: unknown): void;
      onDrop?: (() => void) | undefined;
    },
  ) {
    this.client = new ClientStream({
      ...pacing,
      onCancel: () => this.stop(),
      onDrop: () => {
        this.stop();
        hooks.onDrop?.();
      },
    });
    if (!direct) this.follow();
  }

  /** A frame from the runner. */
  frame(seq: number, text: string): void {
    if (!this.direct || this.over) return;
    this.last = seq;
    this.client.write(text);
    if (this.client.buffered >= this.pacing.maxBufferedBytes) {
      this.direct = false;
      this.catchUpLater();
    }
  }

  /** The runner's end (after `text`, a last frame of its own): the client's end, unless it is catching up from the store. */
  end(text?: string): void {
    if (!this.direct || this.over) return;
    if (text !== undefined) this.client.write(text);
    this.over = true;
    this.client.end();
  }

  /** Reads the store after the last frame the client has. */
  private follow(): void {
    if (this.over) return;
    this.paused = false;
    const subscription = this.read(this.last).subscribe({
      next: ({ seq, frame }) => {
        if (this.over || this.paused || seq <= this.last) return;
        this.last = seq;
        this.client.write(frame);
        if (this.client.buffered >= this.pacing.maxBufferedBytes) {
          this.paused = true;
          this.subscription?.unsubscribe();
          this.subscription = undefined;
          this.catchUpLater();
        }
      },
      error: (error: unknown) => {
        if (this.over || this.paused) return;
        this.over = true;
        this.hooks.report(error);
        this.client.write(new FrameWriter().relay(RELAY_ERROR, { type: RELAY_ERROR, error: this.hooks.describe(error) }));
        this.client.end();
      },
      complete: () => {
        if (this.over || this.paused) return;
        this.over = true;
        this.client.end();
      },
    });
    // Paused, or over, while subscribing (a store that gives stored frames at once).
    if (this.paused || this.over) subscription.unsubscribe();
    else this.subscription = subscription;
  }

  /** Once the client has taken what waits for it, reads on from the store. */
  private catchUpLater(): void {
    const caughtUp = this.client.ready();
    if (caughtUp === undefined) this.follow();
    else void caughtUp.then(() => this.follow());
  }

  private stop(): void {
    this.over = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }
}

/**
 * What a resuming client is told when reading the store fails: an
 * abandoned generation (its instance died) is the browser's
 * `CohereIncompleteStreamError`; anything else, the store's fixed words.
 */
function readerError(error: unknown, scrub: Scrub): RelayErrorInfo {
  if (isCohereStoreError(error) && error.reason === 'abandoned') {
    return { name: 'CohereIncompleteStreamError', message: error.message };
  }
  return relayErrorInfo(error, scrub);
}

/** A new generation id: a UUID v4 (122 random bits), from Web Crypto, else `node:crypto`. */
async function newId(): Promise<string> {
  const web = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof web?.randomUUID === 'function') return web.randomUUID();
  const { randomUUID } = await import('node:crypto');
  return randomUUID();
}

const STORE_METHODS = ['start', 'info', 'read', 'stop'] as const;

function checkStore(store: unknown): GenerationStore {
  const s = store as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null || STORE_METHODS.some((name) => typeof s[name] !== 'function')) {
    throw new CohereConfigError(
      'store',
      'expected a generation store: memoryStore(), redisStore({ url }) or a GenerationStore of your own',
    );
  }
  return store as GenerationStore;
}

/** `ChatHandlerOptions.owner`, checked at set-up: a function or nothing. */
export function checkOwner(owner: unknown): OwnerOf | undefined {
  if (owner !== undefined && typeof owner !== 'function') {
    throw new CohereConfigError('owner', 'expected a function (request) => string, such as the session user id');
  }
  return owner as OwnerOf | undefined;
}
