import type { Observable } from 'rxjs';

/**
 * One stored SSE frame of a generation: its sequence number (1, 2, 3… within
 * the generation) and its text exactly as the relay wrote it (the whole frame,
 * its `id: <seq>` line and its closing blank line included).
 */
export interface StoredFrame {
  /** The frame's sequence number: 1 for the first frame of a generation. */
  readonly seq: number;
  /** The frame's bytes as text, ready to write to a client as they are. */
  readonly frame: string;
}

/** What a store knows about a generation: {@link GenerationStore.info}'s answer. */
export interface GenerationInfo {
  /** The generation's id. */
  readonly id: string;
  /** Who started it (`start(id, { owner })`), or `undefined` when no owner was given. */
  readonly owner: string | undefined;
  /** When it started, in milliseconds since the epoch (the starting instance's clock). */
  readonly createdAt: number;
  /**
   * - `'running'`: started, not ended, and its instance holds its lease;
   * - `'ended'`: `end()` was stored: reading it gives every frame, then completes;
   * - `'abandoned'`: not ended, and its instance let its lease expire (it
   *   died): reading it gives every stored frame, then a `CohereStoreError`
   *   with reason `'abandoned'`. Only a shared store (Redis) can say this.
   */
  readonly state: 'running' | 'ended' | 'abandoned';
  /**
   * The highest sequence number stored so far (0 when none). Of a running
   * generation this trails what its own instance has sent: frames are stored
   * in batches, after they went to that instance's client.
   */
  readonly lastSeq: number;
}

/** Options of {@link GenerationStore.start}. */
export interface StartOptions {
  /** Who starts the generation (the relay's `owner(request)`); {@link GenerationInfo.owner} gives it back. */
  owner?: string | undefined;
}

/**
 * The running end of one generation, held by the instance that runs it:
 * {@link GenerationStore.start}'s answer.
 *
 * `append()` is synchronous and never waits for the store: the relay sends a
 * frame to its own client at once and appends it; the store writes frames in
 * batches (Redis: one pipeline per event-loop turn for all of the instance's
 * generations, one `XADD` per generation in it). A write that fails aborts
 * `signal`; so does a stop requested from any instance.
 */
export interface GenerationWriter {
  /** The generation's id. */
  readonly id: string;
  /**
   * Aborts when the generation must not go on; `signal.reason` is a
   * `CohereStoreError` whose `reason` says why:
   * - `'stopped'`: `stop(id)` was called (on any instance; it arrives within
   *   about a second on Redis). The relay aborts the upstream, appends its
   *   final frame (the abort error) and calls `end()`: both still work.
   * - `'unavailable'` or `'lost'`: frames could not be stored, or the lease
   *   could not be renewed; readers elsewhere fail too. The relay aborts the
   *   upstream and ends its own client's stream with an error.
   * - `'closed'`: the store was closed.
   *
   * Pass it as the upstream request's `signal`.
   */
  readonly signal: AbortSignal;
  /** The last sequence number appended (0 before the first): the next frame is `lastSeq + 1`. */
  readonly lastSeq: number;
  /**
   * Appends the next frame, without waiting: it is stored with the next batch.
   * Frames are numbered 1, 2, 3… by the caller, who wrote `seq` into the
   * frame's `id:` line.
   *
   * @param seq `lastSeq + 1`; any other number throws a `RangeError`.
   * @param frame The whole SSE frame as text.
   * Once `signal` has aborted for a failure (`'unavailable'`, `'lost'`,
   * `'closed'`), frames go nowhere: appending still works, and `flush()` and
   * `end()` reject with that failure.
   *
   * @throws RangeError for a `seq` out of order; TypeError for a frame that is
   *   not a string; `CohereStoreError` (`'closed'`) after `end()`.
   */
  append(seq: number, frame: string): void;
  /**
   * Resolves once every frame appended so far is stored; rejects with the
   * `CohereStoreError` that aborted `signal` (`'unavailable'`, `'lost'`,
   * `'closed'`). Not needed on the hot path: for tests and for an orderly
   * shutdown.
   */
  flush(): Promise<void>;
  /**
   * Ends the generation: stores what is pending and the end, releases the
   * lease, and lets the generation expire after the store's `retentionMs`.
   * Readers get every frame, then complete. End with an error by appending
   * the error frame first. Calling it again returns the same promise.
   *
   * @returns Resolves once the end is stored; rejects as `flush()` does.
   */
  end(): Promise<void>;
}

/**
 * Where a relay keeps its generations, so that a generation outlives the
 * connection that started it and any instance can serve its rest:
 * `memoryStore()` (one process) or `redisStore()` (any number of instances).
 *
 * A generation is an ordered list of SSE frames, numbered from 1, with an
 * owner, a creation time, and an end. The instance that runs it holds a
 * {@link GenerationWriter}; any instance can `read` it from any point, ask
 * for its `info`, or `stop` it. After its end it stays readable for the
 * store's `retentionMs`, then it is forgotten (`info` → `undefined`).
 *
 * Ids are the relay's (a UUID v4): 1 to 128 characters of `A–Z a–z 0–9 _ -`.
 * Another id is never stored: `start` rejects it with a `RangeError`, `info`
 * answers `undefined`, `read` fails with `'not-found'`, `stop` answers `false`.
 *
 * Every failure to reach the store is a `CohereStoreError` with reason
 * `'unavailable'`, within the store's `timeoutMs`: never a hang.
 *
 * ## Example
 * A generation from start to end, read from another place as it runs.
 * ```ts
 * import { memoryStore } from 'cohere-rx/server';
 *
 * const store = memoryStore();
 * const writer = await store.start('5f0c2a4e-8d1b-4c7a-9e3f-2b6d8a1c4e7f', { owner: 'user-42' });
 * store.read(writer.id, 0).subscribe(({ seq, frame }) => console.log(seq, frame));
 * writer.append(1, 'id: 1\nevent: message-start\ndata: {"type":"message-start"}\n\n');
 * await writer.end();
 * ```
 */
export interface GenerationStore {
  /**
   * Starts a generation run by this instance: records its owner and creation
   * time and takes its lease (Redis: a key with a TTL of `leaseMs`, renewed
   * while it runs).
   *
   * @param id A new id (the relay's UUID v4).
   * @param options `owner`.
   * @returns The writer, once the generation is stored: from then on `info`,
   *   `read` and `stop` find it on every instance.
   * @throws CohereStoreError `'unavailable'` (relay: 503), `'exists'`, `'closed'`;
   *   RangeError for an id that is not one.
   */
  start(id: string, options?: StartOptions): Promise<GenerationWriter>;
  /**
   * What the store knows about a generation, or `undefined` when it has no
   * such generation (never started, expired, or not an id). An empty
   * generation is found: `lastSeq` 0.
   *
   * @throws CohereStoreError `'unavailable'`, `'closed'`.
   */
  info(id: string): Promise<GenerationInfo | undefined>;
  /**
   * The frames after `after`, then the live ones as they are stored, then
   * completion at the end: a cold Observable (each subscription reads on its
   * own; unsubscribing stops its tail at once).
   *
   * `after` is the last sequence number the client has (its `Last-Event-ID`);
   * `0` reads from the start. An `after` at or beyond the last frame of an
   * ended generation gives no frame and completes; of a running one, the
   * frames numbered above it as they come (the running instance may have sent
   * its own client frames it has not stored yet).
   *
   * Errors (a `CohereStoreError`), after every frame that could be read:
   * `'not-found'` (unknown or expired at subscription), `'abandoned'` (its
   * instance died: within about `leaseMs` and a quarter of it),
   * `'unavailable'` (the store was lost while reading), `'lost'`, `'closed'`.
   *
   * ```text
   * frames stored: 1 2 3 … (running)     read(id, 1): --2--3-------4--5--|   (| at end())
   * instance dies after 5:               read(id, 3): --4--5------------#  (# 'abandoned', within the lease)
   * unknown id:                          read(id, 0): #                    (# 'not-found')
   * ```
   *
   * @param id The generation.
   * @param after The last sequence number already seen. @default 0
   * @throws RangeError (at once, not through the Observable) for an `after`
   *   that is not a whole number, 0 or more.
   */
  read(id: string, after?: number): Observable<StoredFrame>;
  /**
   * Asks the instance running the generation to stop it: its writer's
   * `signal` aborts with reason `'stopped'`, within about a second on any
   * instance (Redis pub/sub; a lost message is caught at the next lease
   * renewal). Readers get what that instance appends before it ends.
   *
   * @returns `true` when the generation was running and got the request;
   *   `false` when it is unknown, ended or abandoned.
   * @throws CohereStoreError `'unavailable'`, `'closed'`.
   */
  stop(id: string): Promise<boolean>;
  /**
   * Claims `key` for `ttlMs`: `true` the first time, `false` while the claim
   * holds (Redis: `SET NX PX`, atomic across instances). For things that
   * must happen once, such as spending a one-time approval token.
   *
   * @param key Any string (the store prefixes it).
   * @param ttlMs How long the claim holds, in milliseconds (a whole number, 1 or more).
   * @throws CohereStoreError `'unavailable'`, `'closed'`; RangeError for a bad `ttlMs`.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Shuts the store down: readers fail with `'closed'`, writers' signals
   * abort with `'closed'`, timers stop, and connections the store opened
   * close (a Redis client passed in by the app is left open). It ends no
   * generation: end them first (on Redis, ones left running become
   * `'abandoned'` for other instances when their lease runs out).
   */
  close(): Promise<void>;
}
