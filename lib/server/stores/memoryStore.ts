import { Observable, type Subscriber } from 'rxjs';
import { CohereStoreError } from './CohereStoreError';
import type { GenerationInfo, GenerationStore, GenerationWriter, StartOptions, StoredFrame } from './GenerationStore';
import { checkAfter, checkAppend, checkClaim, checkNewId, isGenerationId, msOption, unref } from './checks';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How long a generation stays readable after its end, in milliseconds.
   * @default 600000 (10 minutes)
   */
  retentionMs?: number | undefined;
}

/** @internal The retention default, shared with `redisStore()`. */
export const DEFAULT_RETENTION_MS = 10 * 60_000;

interface Generation {
  readonly id: string;
  readonly owner: string | undefined;
  readonly createdAt: number;
  /** frames[seq - 1] */
  readonly frames: string[];
  ended: boolean;
  readonly readers: Set<Reader>;
  writer: MemoryWriter | undefined;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

interface Reader {
  subscriber: Subscriber<StoredFrame>;
  /** The last sequence number this reader got (or asked to skip). */
  after: number;
  /** Still emitting the stored frames: appends and the end wait for that loop. */
  catchingUp: boolean;
}

/**
 * A {@link GenerationStore} in this process's memory: nothing to set up, and
 * nothing shared. Generations survive a dropped connection and a page reload
 * (a resume reaches the same process), not a restart, and other instances
 * behind a load balancer cannot see them: use `redisStore()` for those.
 *
 * Frames are kept as the strings the relay appends (a generation costs about
 * its frames' text); readers get appended frames synchronously. A generation
 * is forgotten `retentionMs` after its end; a running one stays until it
 * ends. `claim` keys are forgotten when their TTL runs out.
 *
 * ## Example
 * The examples' relay: generations that outlive a reload, in one process.
 * ```ts
 * import { createChatHandler, memoryStore } from 'cohere-rx/server';
 *
 * const store = memoryStore({ retentionMs: 5 * 60_000 });
 * const chat = createChatHandler({ apiKey: process.env.CO_API_KEY, store }); // docs/server.md, "Resumable generations"
 * ```
 *
 * @param options `retentionMs`.
 * @returns The store.
 */
export function memoryStore(options: MemoryStoreOptions = {}): GenerationStore {
  const retentionMs = msOption('retentionMs', options.retentionMs, DEFAULT_RETENTION_MS);
  const generations = new Map<string, Generation>();
  const claims = new Map<string, number>();
  let claimsAtSweep = 0;
  let closed = false;

  const ensureOpen = (id?: string): void => {
    if (closed) throw new CohereStoreError('closed', id);
  };
  const forget = (generation: Generation): void => {
    if (generations.get(generation.id) === generation) generations.delete(generation.id);
  };

  const store: GenerationStore = {
    start(id, startOptions: StartOptions = {}) {
      return settle(() => {
        checkNewId(id);
        ensureOpen(id);
        if (generations.has(id)) throw new CohereStoreError('exists', id);
        const generation: Generation = {
          id,
          owner: startOptions.owner,
          createdAt: Date.now(),
          frames: [],
          ended: false,
          readers: new Set(),
          writer: undefined,
          expiry: undefined,
        };
        const writer = new MemoryWriter(generation, () => {
          generation.expiry = unref(setTimeout(() => forget(generation), retentionMs));
        });
        generation.writer = writer;
        generations.set(id, generation);
        return writer;
      });
    },

    info(id) {
      return settle(() => {
        ensureOpen();
        const generation = isGenerationId(id) ? generations.get(id) : undefined;
        if (!generation) return undefined;
        const info: GenerationInfo = {
          id,
          owner: generation.owner,
          createdAt: generation.createdAt,
          state: generation.ended ? 'ended' : 'running',
          lastSeq: generation.frames.length,
        };
        return info;
      });
    },

    read(id, after = 0) {
      checkAfter(after);
      return new Observable<StoredFrame>((subscriber) => {
        if (closed) return subscriber.error(new CohereStoreError('closed', isGenerationId(id) ? id : undefined));
        const generation = isGenerationId(id) ? generations.get(id) : undefined;
        if (!generation) return subscriber.error(new CohereStoreError('not-found', isGenerationId(id) ? id : undefined));
        // Registered before the stored frames go out, so that frames appended
        // meanwhile (by a subscriber's own code) come out after them, in order.
        const reader: Reader = { subscriber, after, catchingUp: true };
        generation.readers.add(reader);
        while (reader.after < generation.frames.length && !subscriber.closed) {
          const seq = ++reader.after;
          subscriber.next({ seq, frame: generation.frames[seq - 1] as string });
        }
        reader.catchingUp = false;
        if (generation.ended) subscriber.complete();
        return () => generation.readers.delete(reader);
      });
    },

    stop(id) {
      return settle(() => {
        ensureOpen();
        const generation = isGenerationId(id) ? generations.get(id) : undefined;
        if (!generation || generation.ended || !generation.writer) return false;
        generation.writer.abort(new CohereStoreError('stopped', id));
        return true;
      });
    },

    claim(key, ttlMs) {
      return settle(() => {
        checkClaim(key, ttlMs);
        ensureOpen();
        const now = Date.now();
        // Sweep expired claims whenever the map has doubled since the last sweep: amortised O(1).
        if (claims.size >= Math.max(64, 2 * claimsAtSweep)) {
          for (const [k, until] of claims) if (until <= now) claims.delete(k);
          claimsAtSweep = claims.size;
        }
        const until = claims.get(key);
        if (until !== undefined && until > now) return false;
        claims.set(key, now + ttlMs);
        return true;
      });
    },

    close() {
      return settle(() => {
        if (closed) return;
        closed = true;
        for (const generation of generations.values()) {
          clearTimeout(generation.expiry);
          generation.writer?.close();
          for (const reader of [...generation.readers]) reader.subscriber.error(new CohereStoreError('closed', generation.id));
        }
        generations.clear();
        claims.clear();
        return;
      });
    },
  };
  return store;
}

/** Runs `f` and settles with its result: a check that throws becomes the rejection. */
function settle<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

class MemoryWriter implements GenerationWriter {
  readonly id: string;
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private ended: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly generation: Generation,
    private readonly onEnd: () => void,
  ) {
    this.id = generation.id;
    this.signal = this.controller.signal;
  }

  get lastSeq(): number {
    return this.generation.frames.length;
  }

  append(seq: number, frame: string): void {
    checkAppend(seq, frame, this.generation.frames.length);
    if (this.ended) throw new CohereStoreError('closed', this.id);
    if (this.closed) return; // the store closed: `signal` said so
    this.generation.frames.push(frame);
    const readers = this.generation.readers;
    if (readers.size === 0) return; // the usual case: the POST's own client is fed by the relay, not by a reader
    for (const reader of [...readers]) {
      // A reader still catching up gets it in its own loop; one that skipped past it (after > seq) never does.
      if (!reader.catchingUp && reader.after === seq - 1) {
        reader.after = seq;
        reader.subscriber.next({ seq, frame });
      }
    }
  }

  flush(): Promise<void> {
    return this.closed ? Promise.reject(new CohereStoreError('closed', this.id)) : Promise.resolve();
  }

  end(): Promise<void> {
    if (this.ended) return this.ended;
    if (this.closed) return Promise.reject(new CohereStoreError('closed', this.id));
    this.generation.ended = true;
    this.generation.writer = undefined;
    for (const reader of [...this.generation.readers]) if (!reader.catchingUp) reader.subscriber.complete();
    this.onEnd();
    this.ended = Promise.resolve();
    return this.ended;
  }

  /** @internal A stop. */
  abort(reason: CohereStoreError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** @internal The store closed. */
  close(): void {
    this.closed = true;
    this.abort(new CohereStoreError('closed', this.id));
  }
}
