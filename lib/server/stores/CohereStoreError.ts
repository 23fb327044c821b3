import { CohereError } from 'cohere-rx';

/**
 * Why a {@link GenerationStore} call failed, or why a writer's `signal` aborted:
 *
 * - `'unavailable'`: the store cannot be reached, or did not answer within its
 *   `timeoutMs` (Redis down, refused, restarting, a command timed out). A relay
 *   answers 503 before a response starts, or ends a started one with an error.
 * - `'not-found'`: no generation has that id (never started, or expired after
 *   its `retentionMs`). A relay answers 404.
 * - `'exists'`: `start()` was given an id that is already in use.
 * - `'abandoned'`: the instance running the generation stopped renewing its
 *   lease without ending it (it died, or lost the store for longer than the
 *   lease). Every frame it stored was delivered first. A relay tells its
 *   client the answer is incomplete (`CohereIncompleteStreamError`).
 * - `'lost'`: the generation's data vanished while it was written or read (its
 *   keys expired, or Redis lost them: a restart without persistence, a flush).
 * - `'stopped'`: only as a writer's `signal.reason`: `stop(id)` was called, on
 *   this instance or another.
 * - `'closed'`: the store was closed with `close()`.
 */
export type StoreFailure = 'unavailable' | 'not-found' | 'exists' | 'abandoned' | 'lost' | 'stopped' | 'closed';

const MESSAGES: Record<StoreFailure, string> = {
  unavailable: 'the generation store is unavailable',
  'not-found': 'no such generation (unknown or expired)',
  exists: 'a generation with this id exists already',
  abandoned: 'the instance running the generation stopped without ending it',
  lost: "the generation's data is gone from the store",
  stopped: 'the generation was asked to stop',
  closed: 'the generation store is closed',
};

/**
 * A generation store (`memoryStore()`, `redisStore()`) failed, or a
 * generation cannot go on: `reason` says which (see {@link StoreFailure}),
 * `generation` names the generation when there is one.
 *
 * The message is fixed per `reason` and never quotes the store's address or
 * credentials (a Redis URL may hold a password): what went wrong underneath
 * is in `cause`, for your logs only.
 *
 * ## Example
 * Answer a resume request the way the relay does.
 * ```ts
 * import { isCohereStoreError, type GenerationStore } from 'cohere-rx/server';
 *
 * async function status(store: GenerationStore, id: string): Promise<number> {
 *   try {
 *     return (await store.info(id)) ? 200 : 404;
 *   } catch (err) {
 *     if (isCohereStoreError(err) && err.reason === 'unavailable') return 503;
 *     throw err;
 *   }
 * }
 * ```
 */
export class CohereStoreError extends CohereError {
  override readonly name = 'CohereStoreError' as const;
  /** What failed. */
  readonly reason: StoreFailure;
  /** The generation concerned, if any. */
  readonly generation: string | undefined;

  constructor(reason: StoreFailure, generation?: string, options?: { cause?: unknown }) {
    super(
      generation === undefined ? MESSAGES[reason] : `${MESSAGES[reason]}: generation ${generation}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.reason = reason;
    this.generation = generation;
  }
}

/**
 * Whether `value` is a {@link CohereStoreError}.
 *
 * ## Example
 * ```ts
 * import { isCohereStoreError } from 'cohere-rx/server';
 * const statusOf = (err: unknown) => (isCohereStoreError(err) && err.reason === 'not-found' ? 404 : 500);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereStoreError` (by class, or by `name` across realms).
 */
export function isCohereStoreError(value: unknown): value is CohereStoreError {
  if (value instanceof CohereStoreError) return true;
  const candidate = value as { name?: unknown; message?: unknown; reason?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.name === 'CohereStoreError' &&
    typeof candidate.message === 'string' &&
    typeof candidate.reason === 'string'
  );
}
