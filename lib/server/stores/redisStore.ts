import { CohereConfigError } from 'cohere-rx';
import { Observable } from 'rxjs';
import { CohereStoreError } from './CohereStoreError';
import type { GenerationInfo, GenerationStore, GenerationWriter, StartOptions, StoredFrame } from './GenerationStore';
import { checkAfter, checkAppend, checkClaim, checkNewId, isGenerationId, msOption, unref } from './checks';
import { DEFAULT_RETENTION_MS } from './memoryStore';
import {
  loadIoredis,
  noWritesNow,
  ownConnectionOptions,
  pipe,
  unavailable,
  whenReady,
  withDeadline,
  type Command,
  type RedisStoreClient,
  type Reply,
} from './redisConnection';
import {
  batchId,
  compareIds,
  END_ID,
  entriesOf,
  fieldOf,
  keysOf,
  lastSeqOf,
  META_ID,
  type Entry,
  type GenerationKeys,
} from './redisLayout';
import { PAGE, RedisTails, type Tail } from './redisTails';
import { appendOutcomes, appendPipeline, appendScriptCommand, flushGroups, type AppendOutcome, type AppendPart } from './redisAppend';

/** Options of {@link redisStore}: where Redis is (`url` or `client`, exactly one), and the store's own. */
export interface RedisStoreOptions {
  /**
   * A Redis URL (`redis://[:password@]host[:port][/db]`, `rediss://` for TLS):
   * the store loads ioredis (an optional peer dependency: `npm install
   * ioredis`), opens its connections, and closes them on `close()`. Never
   * quoted in an error.
   */
  url?: string | undefined;
  /**
   * A connected (or lazy) ioredis client the app already has (ioredis 5 or
   * 6; a single node or a Sentinel set-up, not a `Cluster`; no `keyPrefix`:
   * use `prefix`). The store sends its commands on it and opens two more
   * connections with `client.duplicate()` (one for blocking reads, one for
   * stop messages); `close()` closes those two and leaves `client` open.
   */
  client?: RedisStoreClient | undefined;
  /**
   * Put before every key and channel the store uses, so that several apps
   * (or environments) can share one Redis.
   * @default 'cohere-rx:'
   */
  prefix?: string | undefined;
  /**
   * How long a generation stays readable after its end, in milliseconds (its
   * keys expire then). A running generation's keys expire `retentionMs +
   * leaseMs` after its instance last renewed its lease: an instance that dies
   * leaves nothing behind for long.
   * @default 600000 (10 minutes)
   */
  retentionMs?: number | undefined;
  /**
   * The lease of a running generation, in milliseconds: its instance renews
   * it every third of it; readers on other instances check it every quarter
   * of it. When the instance dies, readers fail with `'abandoned'` within
   * about `leaseMs` and a quarter.
   * @default 10000
   */
  leaseMs?: number | undefined;
  /**
   * The longest any call waits for Redis (to connect, or to answer) before
   * failing with `CohereStoreError` `'unavailable'`. A refused connection
   * fails at once.
   * @default 3000
   */
  timeoutMs?: number | undefined;
}

const DEFAULT_LEASE_MS = 10_000;
const DEFAULT_TIMEOUT_MS = 3_000;
const DEFAULT_PREFIX = 'cohere-rx:';

/**
 * A {@link GenerationStore} on Redis (5.0 or later; 6.2 or later for
 * `NOMKSTREAM`), shared by every relay instance that uses the same Redis and
 * `prefix`: a generation started on one instance can be read, resumed and
 * stopped on any other, behind any load balancer (no sticky sessions).
 *
 * Each generation is a Redis Stream. The running instance appends its frames
 * in batches, one pipeline per event-loop turn for all its generations (one
 * `XADD` per generation per batch, never one round trip per frame), and
 * holds a lease it renews; readers page through the stored frames with
 * `XRANGE`, then wait for live ones with `XREAD BLOCK`, all of one
 * instance's readers multiplexed over one connection. A stop travels by
 * pub/sub (and a key, for a runner that missed the message). Every key
 * expires: `retentionMs` after the end, and soon after a dead instance's
 * lease. One instance uses three connections whatever the number of
 * generations: commands, blocking reads, stop messages.
 *
 * ioredis is loaded with a dynamic `import()` the first time the store
 * connects by `url`; importing `cohere-rx/server` never loads it.
 *
 * ## Example
 * A relay that any number of instances can serve.
 * ```ts
 * import { createChatHandler, redisStore } from 'cohere-rx/server';
 *
 * const store = redisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: 'chat:' });
 * const chat = createChatHandler({ apiKey: process.env.CO_API_KEY, store }); // docs/server.md, "Resumable generations"
 * process.once('SIGTERM', () => void store.close()); // on shutdown
 * ```
 *
 * @param options `url` or `client`, and `prefix`, `retentionMs`, `leaseMs`, `timeoutMs`.
 * @returns The store. It connects on first use; a Redis it cannot reach makes
 *   that call fail with `CohereStoreError` `'unavailable'`.
 * @throws CohereConfigError for options that cannot work.
 */
export function redisStore(options: RedisStoreOptions): GenerationStore {
  if (options === null || typeof options !== 'object') throw new CohereConfigError('options', 'redisStore needs { url } or { client }');
  const { url, client } = options;
  if ((url === undefined) === (client === undefined)) {
    throw new CohereConfigError('url', 'redisStore needs exactly one of url (a redis:// URL) and client (an ioredis client)');
  }
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
    throw new CohereConfigError('url', 'expected a redis:// or rediss:// URL');
  }
  if (client !== undefined) {
    const shape = client as Partial<RedisStoreClient> & { options?: { keyPrefix?: unknown } };
    if (typeof shape.call !== 'function' || typeof shape.pipeline !== 'function' || typeof shape.duplicate !== 'function') {
      throw new CohereConfigError('client', 'expected an ioredis client (with call, pipeline and duplicate)');
    }
    if (shape.options?.keyPrefix) throw new CohereConfigError('client', 'a client with keyPrefix is not supported: use the prefix option');
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string') throw new CohereConfigError('prefix', 'expected a string');
  return new RedisGenerationStore({
    url,
    client,
    prefix,
    retentionMs: msOption('retentionMs', options.retentionMs, DEFAULT_RETENTION_MS),
    leaseMs: msOption('leaseMs', options.leaseMs, DEFAULT_LEASE_MS, 30),
    timeoutMs: msOption('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS),
  });
}

interface Settings {
  url: string | undefined;
  client: RedisStoreClient | undefined;
  prefix: string;
  retentionMs: number;
  leaseMs: number;
  timeoutMs: number;
}

const noop = (): void => undefined;

/** A random token naming this store instance in its leases (uniqueness, not secrecy). */
function instanceToken(): string {
  const uuid = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto?.randomUUID?.();
  return uuid ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

const nextTurn: (callback: () => void) => void =
  typeof setImmediate === 'function' ? (callback) => void setImmediate(callback) : (callback) => void setTimeout(callback, 0);

class RedisGenerationStore implements GenerationStore {
  private commandClient: RedisStoreClient | undefined;
  private commandLoading: Promise<RedisStoreClient> | undefined;
  private blockingClient: RedisStoreClient | undefined;
  private subscriber: Promise<void> | undefined;
  private subscriberClient: RedisStoreClient | undefined;
  private readonly writers = new Map<string, RedisWriter>();
  private readonly dirty = new Set<RedisWriter>();
  private flushing = false;
  private flushQueued = false;
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private renewing = false;
  private closed = false;
  /** Whether flushes go by script (redisAppend.ts); false once Redis refused one. */
  private scripting = true;
  private readonly token = instanceToken();
  private readonly tails: RedisTails;
  private readonly stopChannel: string;
  /** How long a running generation's keys live without a renewal. */
  private readonly runningTtlMs: number;

  constructor(private readonly settings: Settings) {
    this.stopChannel = `${settings.prefix}stop`;
    this.runningTtlMs = settings.retentionMs + settings.leaseMs;
    this.tails = new RedisTails({
      command: () => this.command(),
      blocking: () => this.blocking(),
      closed: () => this.closed,
      timeoutMs: settings.timeoutMs,
      leaseMs: settings.leaseMs,
    });
  }

  // ---- connections -------------------------------------------------------

  /** The command connection: the app's client, or one made from `url` (loading ioredis then). */
  private command(): Promise<RedisStoreClient> {
    if (this.closed) return Promise.reject(new CohereStoreError('closed'));
    if (this.commandClient) return Promise.resolve(this.commandClient);
    this.commandLoading ??= (async () => {
      const { url, client, timeoutMs } = this.settings;
      if (client) return (this.commandClient = client);
      const Redis = await loadIoredis();
      const own = new Redis(url as string, { ...ownConnectionOptions(timeoutMs), connectionName: this.connectionName('commands') });
      own.on('error', noop); // failures reach the calls; ioredis would print them otherwise
      return (this.commandClient = own);
    })();
    this.commandLoading.catch(() => (this.commandLoading = undefined));
    return this.commandLoading;
  }

  private async blocking(): Promise<RedisStoreClient> {
    if (this.blockingClient) return this.blockingClient;
    const command = await this.command();
    if (this.closed) throw new CohereStoreError('closed');
    this.blockingClient ??= this.duplicate(command, 'tails');
    return this.blockingClient;
  }

  private duplicate(command: RedisStoreClient, role: string): RedisStoreClient {
    const copy = command.duplicate({ ...ownConnectionOptions(this.settings.timeoutMs), connectionName: this.connectionName(role) });
    copy.on('error', noop);
    return copy;
  }

  /** A name for CLIENT LIST: the prefix and the role (`CLIENT SETNAME` takes no spaces). */
  private connectionName(role: string): string {
    return `${this.settings.prefix}${role}`.replace(/[^\w:.-]/g, '_');
  }

  /** Subscribes to stop requests, once, before the first generation starts here. */
  private subscribed(): Promise<void> {
    this.subscriber ??= (async () => {
      const command = await this.command();
      if (!this.subscriberClient) {
        this.subscriberClient = this.duplicate(command, 'stops');
        this.subscriberClient.on('message', (channel: string, id: string) => {
          if (channel === this.stopChannel) this.writers.get(id)?.abort(new CohereStoreError('stopped', id));
        });
      }
      const sub = this.subscriberClient;
      await whenReady(sub, this.settings.timeoutMs);
      await withDeadline(sub.subscribe(this.stopChannel), this.settings.timeoutMs);
    })();
    this.subscriber.catch(() => (this.subscriber = undefined));
    return this.subscriber;
  }

  /** What a call that failed underneath raises: `'closed'` once the store is closing (its connections were cut on purpose), else `'unavailable'`. */
  private failure(error: unknown, id?: string): CohereStoreError {
    return this.closed ? new CohereStoreError('closed', id) : unavailable(error, id);
  }

  private keys(id: string): GenerationKeys {
    return keysOf(this.settings.prefix, id);
  }

  private async run(commands: readonly Command[]): Promise<Reply[]> {
    if (this.closed) throw new CohereStoreError('closed');
    return pipe(await this.command(), commands, this.settings.timeoutMs);
  }

  /** `run`, for answers that must all be there: an error answer (Redis busy or loading past timeoutMs) fails it, 'unavailable'. */
  private async runAll(commands: readonly Command[], id: string): Promise<Reply[]> {
    const replies = await this.run(commands);
    const refused = replies.find((reply) => reply.error)?.error;
    if (refused) throw unavailable(refused, id);
    return replies;
  }

  // ---- GenerationStore ---------------------------------------------------

  async start(id: string, options: StartOptions = {}): Promise<GenerationWriter> {
    checkNewId(id);
    if (this.closed) throw new CohereStoreError('closed', id);
    const keys = this.keys(id);
    const { leaseMs } = this.settings;
    const meta: string[] = ['created', String(Date.now())];
    if (options.owner !== undefined) meta.push('owner', String(options.owner));
    try {
      await this.subscribed();
      const [lease, created] = await this.run([
        ['set', keys.lease, this.token, 'NX', 'PX', leaseMs],
        ['xadd', keys.stream, META_ID, ...meta],
        ['pexpire', keys.stream, this.runningTtlMs],
      ]);
      // Redis taking no writes (out of memory, busy past timeoutMs…) is the store unavailable, not an id in use.
      const declined = [lease, created].find((reply) => reply?.error && noWritesNow(reply.error))?.error;
      if (declined || created?.error || lease?.value !== 'OK') {
        if (lease?.value === 'OK') await this.run([['del', keys.lease]]).catch(noop);
        throw declined ? unavailable(declined, id) : new CohereStoreError('exists', id);
      }
    } catch (error) {
      throw this.failure(error, id);
    }
    const writer = new RedisWriter(id, keys, {
      schedule: (w) => this.schedule(w),
      forget: (w) => this.forget(w),
    });
    this.writers.set(id, writer);
    this.renewTimer ??= unref(setInterval(() => void this.renew(), Math.max(10, Math.floor(leaseMs / 3))));
    return writer;
  }

  async info(id: string): Promise<GenerationInfo | undefined> {
    if (this.closed) throw new CohereStoreError('closed');
    if (!isGenerationId(id)) return undefined;
    const keys = this.keys(id);
    const [first, last, lease] = await this.runAll(
      [
        ['xrange', keys.stream, '-', '+', 'COUNT', 1],
        ['xrevrange', keys.stream, '+', '-', 'COUNT', 1],
        ['exists', keys.lease],
      ],
      id,
    ).catch((error: unknown) => {
      throw this.failure(error, id);
    });
    const meta = entriesOf(first?.value)[0];
    const end = entriesOf(last?.value)[0];
    if (!meta || meta[0] !== META_ID || !end) return undefined;
    const owner = fieldOf(meta[1], 'owner');
    const ended = end[0] === END_ID;
    return {
      id,
      owner,
      createdAt: Number(fieldOf(meta[1], 'created')),
      state: ended ? 'ended' : Number(lease?.value) === 1 ? 'running' : 'abandoned',
      lastSeq: lastSeqOf(end),
    };
  }

  read(id: string, after = 0): Observable<StoredFrame> {
    checkAfter(after);
    return new Observable<StoredFrame>((subscriber) => {
      const known = isGenerationId(id);
      let done = false;
      const tail: Tail = {
        id,
        keys: known ? this.keys(id) : keysOf('', ''),
        cursor: batchId(after),
        deliver: (entries) => {
          for (const entry of entries) {
            if (done) return true;
            if (!this.advance(tail, entry, after, subscriber)) continue;
            if (entry[0] === END_ID) {
              done = true;
              subscriber.complete();
              return true;
            }
          }
          return done;
        },
        fail: (error) => {
          if (done) return;
          done = true;
          subscriber.error(error);
        },
      };
      if (this.closed) {
        tail.fail(new CohereStoreError('closed', known ? id : undefined));
        return;
      }
      if (!known) {
        tail.fail(new CohereStoreError('not-found'));
        return;
      }
      void this.catchUp(tail, () => done).catch((error: unknown) => tail.fail(this.failure(error, id)));
      return () => {
        done = true;
        this.tails.remove(tail);
      };
    });
  }

  /**
   * Emits the frames of `entry` that `tail`'s reader has not had.
   * @returns whether the entry was new to it.
   */
  private advance(tail: Tail, entry: Entry, after: number, subscriber: { next(frame: StoredFrame): void; closed: boolean }): boolean {
    const [entryId, fields] = entry;
    if (compareIds(entryId, tail.cursor) <= 0) return false;
    tail.cursor = entryId;
    if (entryId === META_ID || entryId === END_ID) return true;
    for (let i = 0; i + 1 < fields.length && !subscriber.closed; i += 2) {
      const seq = Number(fields[i]);
      // A batch may begin before `after` (the client has its first frames already).
      if (seq > after) subscriber.next({ seq, frame: fields[i + 1] as string });
    }
    return true;
  }

  /** Pages through the stored frames, then joins the live tail (or fails, for an abandoned generation). */
  private async catchUp(tail: Tail, done: () => boolean): Promise<void> {
    const { stream, lease } = tail.keys;
    // The lease is checked before the frames are read: an end stored before the lease went is then always seen.
    const [exists, leased, firstPage] = await this.runAll(
      [
        ['exists', stream],
        ['exists', lease],
        ['xrange', stream, `(${tail.cursor}`, '+', 'COUNT', PAGE],
      ],
      tail.id,
    );
    if (done()) return;
    if (Number(exists?.value) !== 1) return tail.fail(new CohereStoreError('not-found', tail.id));
    let page = entriesOf(firstPage?.value);
    for (;;) {
      if (tail.deliver(page) || done()) return;
      if (page.length < PAGE) break;
      const [next] = await this.runAll([['xrange', stream, `(${tail.cursor}`, '+', 'COUNT', PAGE]], tail.id);
      if (done()) return;
      page = entriesOf(next?.value);
    }
    if (Number(leased?.value) !== 1) return tail.fail(new CohereStoreError('abandoned', tail.id));
    if (this.closed) return tail.fail(new CohereStoreError('closed', tail.id));
    this.tails.add(tail);
  }

  async stop(id: string): Promise<boolean> {
    if (this.closed) throw new CohereStoreError('closed');
    if (!isGenerationId(id)) return false;
    const keys = this.keys(id);
    try {
      const [lease] = await this.runAll([['exists', keys.lease]], id);
      if (Number(lease?.value) !== 1) return false;
      this.writers.get(id)?.abort(new CohereStoreError('stopped', id));
      await this.runAll(
        [
          ['set', keys.stop, '1', 'PX', this.runningTtlMs],
          ['publish', this.stopChannel, id],
        ],
        id,
      );
      return true;
    } catch (error) {
      throw this.failure(error, id);
    }
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    checkClaim(key, ttlMs);
    if (this.closed) throw new CohereStoreError('closed');
    const [reply] = await this.run([['set', `${this.settings.prefix}claim:${key}`, '1', 'NX', 'PX', ttlMs]]).catch((error: unknown) => {
      throw this.failure(error);
    });
    if (reply?.error) throw unavailable(reply.error);
    return reply?.value === 'OK';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // What was appended before close() is still stored, if Redis answers in time.
    await Promise.all([...this.writers.values()].map((writer) => writer.flush().catch(noop)));
    this.closed = true;
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    for (const writer of this.writers.values()) writer.fail(new CohereStoreError('closed', writer.id));
    this.writers.clear();
    this.tails.failAll(new CohereStoreError('closed'));
    this.blockingClient?.disconnect();
    this.subscriberClient?.disconnect();
    const command = this.commandClient;
    if (command && !this.settings.client) {
      await withDeadline(command.quit(), this.settings.timeoutMs).catch(noop);
      command.disconnect();
    }
  }

  // ---- writing -----------------------------------------------------------

  private schedule(writer: RedisWriter): void {
    this.dirty.add(writer);
    if (this.flushQueued || this.flushing) return;
    this.flushQueued = true;
    nextTurn(() => {
      this.flushQueued = false;
      void this.flush();
    });
  }

  /**
   * Sends every pending batch of every writer in one command (redisAppend.ts).
   * One flush at a time: frames appended meanwhile wait for it and go in the
   * next one, so a slow Redis gets fewer, larger batches instead of a queue.
   */
  private async flush(): Promise<void> {
    if (this.flushing || this.dirty.size === 0) return;
    this.flushing = true;
    const batch = [...this.dirty].map((writer) => writer.take());
    this.dirty.clear();
    const parts = batch.filter((part) => part.fields.length > 0 || part.end);
    try {
      const outcomes = parts.length > 0 ? await this.append(parts) : [];
      const byPart = new Map(parts.map((part, i) => [part, outcomes[i]]));
      for (const part of batch) {
        const outcome = byPart.get(part) ?? 'stored';
        if (outcome instanceof CohereStoreError) part.settle(outcome);
        else if (outcome === 'refused') part.settle(new CohereStoreError('unavailable', part.writer.id));
        // NOMKSTREAM stores nothing when the stream is gone: expired, or Redis lost it.
        else if (outcome === 'gone') part.settle(new CohereStoreError('lost', part.writer.id));
        else {
          part.settle();
          if (part.end) this.forget(part.writer); // (a part that failed is forgotten by its writer's fail())
        }
      }
    } catch (error) {
      for (const part of batch) part.settle(unavailable(error, part.writer.id));
    } finally {
      this.flushing = false;
      if (this.dirty.size > 0) this.schedule([...this.dirty][0] as RedisWriter);
    }
  }

  /** Stores `parts`: by script, or by a pipeline where Redis refuses scripts. */
  private async append(parts: readonly Part[]): Promise<(AppendOutcome | CohereStoreError)[]> {
    if (!this.scripting) return this.appendByPipeline(parts);
    // One EVAL per group of parts (a large flush is several), in one pipeline.
    const groups = flushGroups(parts);
    const replies = await this.run(groups.map((group) => appendScriptCommand(group, this.settings.retentionMs)));
    const outcomes = new Map<Part, AppendOutcome | CohereStoreError>();
    const refused: Part[] = [];
    groups.forEach((group, i) => {
      const reply = replies[i];
      if (!reply?.error) appendOutcomes(reply?.value, group.length).forEach((outcome, j) => outcomes.set(group[j] as Part, outcome));
      // Redis takes no writes now (out of memory, loading, a replica…): plain commands would fare no
      // better; those parts fail, and the script stays in use for the flushes after.
      else if (noWritesNow(reply.error)) for (const part of group) outcomes.set(part, unavailable(reply.error, part.writer.id));
      else refused.push(...group);
    });
    if (refused.length > 0) {
      // EVAL refused (an ACL, a proxy, scripting disabled): the same work as plain commands, from now on,
      // for the parts of the groups refused (a group whose EVAL was taken is stored: not again).
      this.scripting = false;
      try {
        const again = await this.appendByPipeline(refused);
        refused.forEach((part, i) => outcomes.set(part, again[i] ?? 'refused'));
      } catch (error) {
        // Those parts failed; the others' frames are stored (their generations go on).
        for (const part of refused) outcomes.set(part, unavailable(error, part.writer.id));
      }
    }
    return parts.map((part) => outcomes.get(part) ?? 'refused');
  }

  private async appendByPipeline(parts: readonly AppendPart[]): Promise<AppendOutcome[]> {
    const { commands, appends } = appendPipeline(parts, this.settings.retentionMs);
    const replies = await this.run(commands);
    return appends.map((indexes) => {
      const mine = indexes.map((i) => replies[i]);
      if (mine.some((reply) => reply?.error)) return 'refused';
      return mine.some((reply) => reply?.value === null) ? 'gone' : 'stored';
    });
  }

  private forget(writer: RedisWriter): void {
    if (this.writers.get(writer.id) === writer) this.writers.delete(writer.id);
    if (this.writers.size === 0) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
  }

  /** Renews the leases of every generation running here, and catches stops whose message was lost. */
  private async renew(): Promise<void> {
    if (this.renewing || this.closed) return;
    const running = [...this.writers.values()].filter((writer) => writer.running);
    if (running.length === 0) return;
    this.renewing = true;
    try {
      const replies = await this.run(
        running.flatMap(({ keys }): Command[] => [
          ['set', keys.lease, this.token, 'XX', 'PX', this.settings.leaseMs],
          ['pexpire', keys.stream, this.runningTtlMs],
          ['exists', keys.stop],
        ]),
      );
      running.forEach((writer, i) => {
        if (!writer.running) return; // it ended meanwhile: its lease is gone on purpose
        const lease = replies[3 * i];
        // Redis taking no writes for now (busy with a script, loading): the lease stands until it expires;
        // the next renewal tries again (and finds it gone, if Redis stayed so past leaseMs).
        if (lease?.error && noWritesNow(lease.error)) return;
        if (lease?.value !== 'OK') return writer.fail(new CohereStoreError('lost', writer.id));
        if (Number(replies[3 * i + 2]?.value) === 1) writer.abort(new CohereStoreError('stopped', writer.id));
      });
    } catch (error) {
      for (const writer of running) if (writer.running) writer.fail(unavailable(error, writer.id));
    } finally {
      this.renewing = false;
    }
  }
}

interface Waiter {
  resolve(): void;
  reject(error: CohereStoreError): void;
}

/** One writer's share of a flush. */
interface Part extends AppendPart {
  readonly writer: RedisWriter;
  settle(error?: CohereStoreError): void;
}

class RedisWriter implements GenerationWriter {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private seq = 0;
  private fields: string[] = [];
  private waiters: Waiter[] = [];
  private endRequested = false;
  private endPromise: Promise<void> | undefined;
  private ending = false;
  private failure: CohereStoreError | undefined;

  constructor(
    readonly id: string,
    readonly keys: GenerationKeys,
    private readonly store: { schedule(writer: RedisWriter): void; forget(writer: RedisWriter): void },
  ) {
    this.signal = this.controller.signal;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Whether its lease is still to be renewed. */
  get running(): boolean {
    return !this.ending && this.failure === undefined;
  }

  append(seq: number, frame: string): void {
    checkAppend(seq, frame, this.seq);
    if (this.endRequested) throw new CohereStoreError('closed', this.id);
    this.seq = seq;
    // After a failure the frame goes nowhere: `signal` has said why, and flush()/end() will.
    if (this.failure) return;
    this.fields.push(String(seq), frame);
    this.store.schedule(this);
  }

  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.store.schedule(this);
    });
  }

  end(): Promise<void> {
    if (this.endPromise) return this.endPromise;
    this.endRequested = true;
    this.endPromise = this.failure ? Promise.reject(this.failure) : this.flush();
    return this.endPromise;
  }

  /** @internal What goes in the next pipeline; the waiters resolve with it. */
  take(): Part {
    const fields = this.fields;
    const waiters = this.waiters;
    const end = this.endRequested && !this.ending && this.failure === undefined;
    if (end) this.ending = true;
    this.fields = [];
    this.waiters = [];
    return {
      writer: this,
      keys: this.keys,
      fields: this.failure ? [] : fields,
      lastSeq: this.seq,
      end,
      settle: (error) => {
        if (error) this.fail(error);
        for (const waiter of waiters) {
          if (this.failure) waiter.reject(this.failure);
          else waiter.resolve();
        }
      },
    };
  }

  /** @internal A stop (the generation may still append its last frames and end). */
  abort(reason: CohereStoreError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** @internal The generation cannot be stored any more. */
  fail(error: CohereStoreError): void {
    if (this.failure) return;
    this.failure = error;
    this.fields = [];
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.store.forget(this);
    this.abort(error);
  }
}
