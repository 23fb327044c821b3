// The Redis client as redisStore() sees it: the few methods of ioredis it
// uses (so the public types need no ioredis types), loading ioredis lazily,
// waiting for a connection with a deadline, and commands and pipelines that
// fail with CohereStoreError('unavailable') instead of hanging.
import { CohereConfigError } from 'cohere-rx';
import { CohereStoreError } from './CohereStoreError';

/**
 * The Redis client `redisStore({ client })` accepts: an ioredis `Redis`
 * (ioredis 5 or 6; not a `Cluster`). Only these members are used; the store
 * opens its other connections with `duplicate()`.
 */
export interface RedisStoreClient {
  /** `'wait'`, `'connecting'`, `'connect'`, `'ready'`, `'reconnecting'`, `'close'`, `'end'`, … */
  readonly status: string;
  /** Sends one command, its arguments as one array (an `XREAD` of many streams has many: never spread into a call). */
  call(command: string, args: (string | number)[]): Promise<unknown>;
  /** A pipeline: many commands, one round trip. */
  pipeline(): RedisStorePipeline;
  /** A new connection with the same settings, and `override`. */
  duplicate(override?: Record<string, unknown>): RedisStoreClient;
  /** Connects a client made with `lazyConnect`. */
  connect(): Promise<unknown>;
  /** Subscribes this connection to pub/sub channels. */
  subscribe(...channels: string[]): Promise<unknown>;
  // `any[]`: ioredis types its listeners so, and a narrower type here would not accept an ioredis client.
  /** Listens to an event (`'ready'`, `'error'`, `'message'`, …). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** Stops listening. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  /** Closes the connection after the replies pending. */
  quit(): Promise<unknown>;
  /** Closes the connection at once. */
  disconnect(): void;
}

/** The pipeline of a {@link RedisStoreClient}. */
export interface RedisStorePipeline {
  /**
   * Queues one command, its arguments as one array (a flush may carry tens of
   * thousands: spread into a call they would overflow the stack). The flush
   * script goes as its UTF-8 bytes, a Node `Buffer` (lib/server/stores/redisAppend.ts).
   */
  call(command: string, args: (string | number | Uint8Array)[]): unknown;
  /** Sends the queued commands: `[error, reply]` per command. */
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** @internal One command of a pipeline: its name and arguments. */
export type Command = readonly [name: string, ...args: (string | number | Uint8Array)[]];

/** @internal One command's answer in a pipeline: the reply, or the server's error for that command. */
export type Reply = { readonly error: Error; readonly value?: undefined } | { readonly error?: undefined; readonly value: unknown };

/** @internal ioredis' constructor, as far as the store uses it. */
type RedisConstructor = new (url: string, options: Record<string, unknown>) => RedisStoreClient;

/**
 * @internal Loads ioredis when the store first connects by URL, never when
 * `cohere-rx/server` is imported: an app without Redis never needs it. The
 * specifier is not a literal, so that bundlers leave it out too.
 */
export async function loadIoredis(): Promise<RedisConstructor> {
  const specifier = 'ioredis';
  let mod: { Redis?: unknown; default?: unknown };
  try {
    mod = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as { Redis?: unknown; default?: unknown };
  } catch (error) {
    const config = new CohereConfigError('url', 'redisStore({ url }) needs the ioredis package (npm install ioredis), which did not load');
    (config as { cause?: unknown }).cause = error;
    throw config;
  }
  const candidate = mod.Redis ?? (mod.default as { Redis?: unknown } | undefined)?.Redis ?? mod.default;
  if (typeof candidate !== 'function') throw new CohereConfigError('url', 'the ioredis package that loaded has no Redis class');
  return candidate as RedisConstructor;
}

/**
 * @internal Options for every connection the store makes itself: fail fast
 * instead of queueing while disconnected (the store waits for `ready` with
 * its own deadline), never resend a command after a reconnect (a blocking
 * read would hang on), keep reconnecting in the background.
 */
export function ownConnectionOptions(timeoutMs: number): Record<string, unknown> {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: false,
    connectTimeout: timeoutMs,
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
  };
}

const noop = (): void => undefined;

/**
 * Error replies given instead of running the command: Redis is busy with a
 * script past its `busy-reply-threshold`, or loading its data after a
 * restart. The same command may go again.
 */
const NOT_RUN = /^(?:BUSY|LOADING)\b/;

/** How long `pipe` waits before sending again the commands Redis did not run. */
const RETRY_PAUSE_MS = 50;

/**
 * Error replies that say Redis takes no writes at the moment, whatever the
 * command: out of memory (`maxmemory`, noeviction), loading its data after a
 * restart, busy with a long script, a replica, failing to persist, or a
 * replica count not met.
 */
const NO_WRITES_NOW = /^(?:OOM|LOADING|BUSY|READONLY|MASTERDOWN|MISCONF|NOREPLICAS)\b/;

/**
 * @internal Whether an error reply is Redis declining writes for now (see
 * `NO_WRITES_NOW`) rather than refusing the command itself (an ACL, a
 * renamed command, a proxy without scripts): a flush that gets one fails,
 * and the store keeps using its script.
 */
export function noWritesNow(error: Error): boolean {
  return NO_WRITES_NOW.test(error.message);
}

/** @internal A `CohereStoreError('unavailable')` for a failure underneath. */
export function unavailable(cause: unknown, id?: string): CohereStoreError {
  return cause instanceof CohereStoreError ? cause : new CohereStoreError('unavailable', id, { cause });
}

/**
 * @internal Waits until `client` is ready, at most `timeoutMs`; a refused or
 * failed connection attempt fails at once. Connects a lazy client; one that
 * was disconnected on purpose (`'end'`: the store closing, or the app) fails
 * at once and stays so: connected again, it would reconnect for ever.
 */
export function whenReady(client: RedisStoreClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') return Promise.reject(unavailable(new Error('the connection was closed')));
  // Calls that wait at the same time share one wait (one set of listeners, not one per call).
  let waiting = readiness.get(client);
  if (!waiting) {
    waiting = waitForReady(client, timeoutMs);
    readiness.set(client, waiting);
    const clear = (): void => void readiness.delete(client);
    waiting.then(clear, clear);
  }
  return waiting;
}

const readiness = new WeakMap<RedisStoreClient, Promise<void>>();

function waitForReady(client: RedisStoreClient, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: unknown): void => {
      clearTimeout(timer);
      client.removeListener('ready', onReady);
      client.removeListener('error', onError);
      client.removeListener('end', onEnd);
      if (error === undefined) resolve();
      else reject(unavailable(error));
    };
    const onReady = (): void => done();
    const onError = (error: Error): void => done(error);
    const onEnd = (): void => done(new Error('the connection ended'));
    const timer = setTimeout(() => done(new Error(`not connected within ${timeoutMs} ms`)), timeoutMs);
    client.on('ready', onReady);
    client.on('error', onError);
    client.on('end', onEnd);
    if (client.status === 'wait') client.connect().catch(noop);
  });
}

/** @internal `promise`, or `CohereStoreError('unavailable')` after `timeoutMs`. */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(unavailable(new Error(`no reply within ${timeoutMs} ms`))), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(unavailable(error));
      },
    );
  });
}

/**
 * @internal Sends `commands` in one pipeline, once `client` is ready, within
 * `timeoutMs`. A command the server refused answers `{ error }`; a lost
 * connection fails the whole call with `CohereStoreError('unavailable')`.
 * Commands Redis did not run (`BUSY`, `LOADING`) go again, 50 ms apart, in
 * one pipeline each time, for up to `timeoutMs` after the first answer: then
 * their last answer is theirs.
 */
export async function pipe(client: RedisStoreClient, commands: readonly Command[], timeoutMs: number): Promise<Reply[]> {
  if (commands.length === 0) return [];
  const replies = await pipeOnce(client, commands, timeoutMs);
  const until = Date.now() + timeoutMs;
  let again = notRun(replies);
  // Commands Redis did not run (busy with a script, loading its data) go again while timeoutMs lasts. A
  // round that fails or runs out of time leaves them their BUSY / LOADING answer.
  while (again.length > 0 && Date.now() + 2 * RETRY_PAUSE_MS < until) {
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    const round = await pipeOnce(
      client,
      again.map((i) => commands[i] as Command),
      until - Date.now(),
    ).catch(() => undefined);
    if (!round) break;
    round.forEach((reply, k) => (replies[again[k] as number] = reply));
    again = notRun(round).map((k) => again[k] as number);
  }
  return replies;
}

/** The indexes of the commands Redis answered without running them. */
function notRun(replies: readonly Reply[]): number[] {
  const indexes: number[] = [];
  replies.forEach((reply, i) => {
    if (reply.error && NOT_RUN.test(reply.error.message)) indexes.push(i);
  });
  return indexes;
}

/** One pipeline of `commands`, within `timeoutMs`: `pipe` without the second tries. */
async function pipeOnce(client: RedisStoreClient, commands: readonly Command[], timeoutMs: number): Promise<Reply[]> {
  await whenReady(client, timeoutMs);
  const pipeline = client.pipeline();
  for (const [name, ...args] of commands) pipeline.call(name, args);
  const results = await withDeadline(pipeline.exec(), timeoutMs);
  if (!results) throw unavailable(new Error('the pipeline was discarded'));
  return results.map(([error, value]) => {
    if (!error) return { value };
    // A server's answer to one command (ReplyError) is that command's; anything else means the connection failed.
    if (error.name !== 'ReplyError') throw unavailable(error);
    return { error };
  });
}

/**
 * @internal Sends one command, once `client` is ready, within `timeoutMs`;
 * sent again, as `pipe` does, while Redis answers that it did not run it.
 */
export async function send(client: RedisStoreClient, timeoutMs: number, name: string, ...args: (string | number)[]): Promise<unknown> {
  return whileDeclined(async (ms) => {
    await whenReady(client, ms);
    return withDeadline(client.call(name, args), ms);
  }, timeoutMs);
}

/**
 * @internal Runs `attempt` again, 50 ms apart, while it fails with Redis's
 * answer that it did not run the command (`BUSY`, `LOADING`), for up to
 * `timeoutMs` after the first such answer: then that answer is the failure.
 * Any other failure at once. `attempt` is given its time: `timeoutMs` the
 * first time, then what is left of the window.
 */
export async function whileDeclined<T>(attempt: (ms: number) => Promise<T>, timeoutMs: number): Promise<T> {
  let until: number | undefined;
  for (;;) {
    try {
      return await attempt(until === undefined ? timeoutMs : until - Date.now());
    } catch (error) {
      until ??= Date.now() + timeoutMs;
      if (!declined(error) || Date.now() + 2 * RETRY_PAUSE_MS >= until) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
  }
}

/** Whether a failure (as `withDeadline` gives it) is Redis's answer that it did not run the command. */
function declined(error: unknown): boolean {
  const cause = error instanceof CohereStoreError ? error.cause : error;
  return cause instanceof Error && cause.name === 'ReplyError' && NOT_RUN.test(cause.message);
}
