// The live tails of one redisStore(): every reader of every generation that
// has caught up with the stored frames waits here, on ONE blocking connection
// (XREAD BLOCK over all their streams at once), so 200 readers cost one
// connection, not 200. A reader that joins while the read is blocked wakes it
// (CLIENT UNBLOCK from the command connection) to be included at once.
//
// A second loop watches the leases of the generations being tailed, every
// quarter lease: a generation whose lease is gone and whose end is not stored
// was abandoned by its instance; its readers get the frames it stored, then
// CohereStoreError('abandoned').
import { CohereStoreError } from './CohereStoreError';
import { compareIds, END_ID, streamsOf, entriesOf, type Entry, type GenerationKeys } from './redisLayout';
import { pipe, send, unavailable, whenReady, whileDeclined, withDeadline, type RedisStoreClient } from './redisConnection';
import { unref } from './checks';

/** @internal One reader waiting for live entries. */
export interface Tail {
  readonly id: string;
  readonly keys: GenerationKeys;
  /** The id of the last entry this reader has seen. */
  cursor: string;
  /** Takes entries (only those after `cursor` are new); answers `true` once the end was among them. */
  deliver(entries: readonly Entry[]): boolean;
  /** Fails the reader. */
  fail(error: CohereStoreError): void;
}

/** @internal What the tails need from their store. */
export interface TailsContext {
  /** The command connection (lease checks, CLIENT UNBLOCK). */
  command(): Promise<RedisStoreClient>;
  /** The blocking connection, made on first use. */
  blocking(): Promise<RedisStoreClient>;
  /** Whether the store was closed (then a broken read is not retried). */
  closed(): boolean;
  readonly timeoutMs: number;
  readonly leaseMs: number;
}

/** Entries per stream per XREAD/XRANGE (each entry is a batch of frames). */
export const PAGE = 512;

/** @internal */
export class RedisTails {
  private readonly byKey = new Map<string, Set<Tail>>();
  private looping = false;
  private blocked = false;
  private blockingId: number | undefined;
  private watchTimer: ReturnType<typeof setInterval> | undefined;
  private watching = false;
  private readonly blockMs: number;
  private knownConnection: RedisStoreClient | undefined;

  constructor(private readonly context: TailsContext) {
    // Long enough to be cheap, short enough that a connection that died
    // silently is noticed (the deadline is this plus timeoutMs).
    this.blockMs = Math.max(1000, Math.min(context.leaseMs, 5000));
  }

  /** How many readers are tailing. */
  get size(): number {
    let n = 0;
    for (const tails of this.byKey.values()) n += tails.size;
    return n;
  }

  add(tail: Tail): void {
    let tails = this.byKey.get(tail.keys.stream);
    if (!tails) this.byKey.set(tail.keys.stream, (tails = new Set()));
    tails.add(tail);
    if (!this.watchTimer) {
      const every = Math.max(10, Math.floor(this.context.leaseMs / 4));
      this.watchTimer = unref(setInterval(() => void this.watch(), every));
    }
    if (!this.looping) void this.loop();
    else if (this.blocked) void this.unblock();
  }

  remove(tail: Tail): void {
    const tails = this.byKey.get(tail.keys.stream);
    if (!tails?.delete(tail)) return;
    if (tails.size === 0) this.byKey.delete(tail.keys.stream);
    if (this.byKey.size === 0 && this.watchTimer) {
      clearInterval(this.watchTimer);
      this.watchTimer = undefined;
    }
    // The blocked read may go on listening to that stream until it returns: harmless.
  }

  /** Fails every reader (the store lost Redis, or closed). */
  failAll(error: CohereStoreError): void {
    const all = [...this.byKey.values()].flatMap((tails) => [...tails]);
    for (const tail of all) {
      this.remove(tail);
      tail.fail(error.generation === undefined ? new CohereStoreError(error.reason, tail.id, { cause: error.cause }) : error);
    }
  }

  private async loop(): Promise<void> {
    this.looping = true;
    let blocking: RedisStoreClient | undefined;
    try {
      blocking = await this.context.blocking();
      if (this.knownConnection !== blocking) {
        // Each (re)connection has a new client id: look it up again.
        this.knownConnection = blocking;
        blocking.on('ready', () => (this.blockingId = undefined));
      }
      while (this.byKey.size > 0) {
        // Dropped after a read that missed its deadline (below): connected again here, never after close().
        if (blocking.status === 'end' && !this.context.closed()) blocking.connect().catch(() => undefined);
        await whenReady(blocking, this.context.timeoutMs);
        if (this.blockingId === undefined) this.blockingId = Number(await send(blocking, this.context.timeoutMs, 'client', 'id'));
        // Sent again while Redis declines to run it (a read sent as another client's long script began),
        // each time for the readers there are then.
        const reply = await whileDeclined(() => {
          const keys = [...this.byKey.keys()];
          if (keys.length === 0) return Promise.resolve(null);
          const cursors = keys.map((key) => oldestCursor(this.byKey.get(key)));
          this.blocked = true;
          return withDeadline(
            blocking!.call('xread', ['COUNT', PAGE, 'BLOCK', this.blockMs, 'STREAMS', ...keys, ...cursors]),
            this.blockMs + this.context.timeoutMs,
          ).finally(() => (this.blocked = false));
        }, this.context.timeoutMs);
        for (const [key, entries] of streamsOf(reply)) this.deliver(key, entries);
      }
    } catch (error) {
      this.blocked = false;
      // A read that missed its deadline may still be blocked: drop that connection (it reconnects).
      if (blocking && !this.context.closed()) {
        this.blockingId = undefined;
        blocking.disconnect();
        void blocking.connect().catch(() => undefined);
      }
      this.failAll(unavailable(error));
    } finally {
      this.looping = false;
    }
  }

  private deliver(key: string, entries: readonly Entry[]): void {
    for (const tail of [...(this.byKey.get(key) ?? [])]) {
      if (tail.deliver(entries)) this.remove(tail);
    }
  }

  /** Wakes the blocked XREAD; retried while it has not reached the server yet (UNBLOCK answers 0). */
  private async unblock(): Promise<void> {
    try {
      const command = await this.context.command();
      for (let attempt = 0; attempt < 50 && this.blocked && this.blockingId !== undefined; attempt++) {
        if (Number(await send(command, this.context.timeoutMs, 'client', 'unblock', this.blockingId)) === 1) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } catch {
      // The read will include the new reader when it returns anyway (within blockMs).
    }
  }

  /** Checks the leases of the generations being tailed. */
  private async watch(): Promise<void> {
    if (this.watching || this.byKey.size === 0) return;
    this.watching = true;
    try {
      const command = await this.context.command();
      const watched = [...this.byKey.entries()];
      const replies = await pipe(
        command,
        watched.flatMap(([key, tails]) => {
          const lease = [...tails][0]?.keys.lease ?? '';
          return [
            ['exists', lease],
            ['exists', key],
          ] as const;
        }),
        this.context.timeoutMs,
      );
      const orphans: [string, Set<Tail>][] = [];
      watched.forEach(([key, tails], i) => {
        const lease = replies[2 * i]?.value;
        const stream = replies[2 * i + 1]?.value;
        if (Number(stream) === 0) {
          for (const tail of [...tails]) {
            this.remove(tail);
            tail.fail(new CohereStoreError('lost', tail.id));
          }
        } else if (Number(lease) === 0) {
          orphans.push([key, tails]);
        }
      });
      if (orphans.length > 0) await this.settleOrphans(command, orphans);
    } catch (error) {
      this.failAll(unavailable(error));
    } finally {
      this.watching = false;
    }
  }

  /**
   * No lease: the generation either ended (its end is stored, and the tail
   * delivers it) or was abandoned. The end is written before the lease is
   * deleted, so reading the rest now tells which; the readers get every frame
   * first either way.
   */
  private async settleOrphans(command: RedisStoreClient, orphans: readonly [string, Set<Tail>][]): Promise<void> {
    const replies = await pipe(
      command,
      orphans.map(([key, tails]) => ['xrange', key, `(${oldestCursor(tails)}`, '+'] as const),
      this.context.timeoutMs,
    );
    orphans.forEach(([key, tails], i) => {
      const entries = entriesOf(replies[i]?.value);
      this.deliver(key, entries);
      if (entries.some(([id]) => id === END_ID)) return;
      for (const tail of [...tails]) {
        if (!this.byKey.get(key)?.has(tail)) continue;
        this.remove(tail);
        tail.fail(new CohereStoreError('abandoned', tail.id));
      }
    });
  }
}

/** The oldest cursor among a stream's readers: one XREAD serves them all. */
function oldestCursor(tails: Set<Tail> | undefined): string {
  let oldest: string | undefined;
  for (const tail of tails ?? []) if (oldest === undefined || compareIds(tail.cursor, oldest) < 0) oldest = tail.cursor;
  return oldest ?? '0-0';
}
