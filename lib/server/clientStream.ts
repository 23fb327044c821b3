import { CohereError } from 'cohere-rx';
import { sseComment } from './frames';

const encoder = new TextEncoder();
const HEARTBEAT = sseComment('keep-alive');
const EMPTY = new Uint8Array(0);
/** The first buffer for frames waiting, and the largest one kept once they have gone. */
const MIN_BUFFER = 16 * 1024;
const KEEP_BUFFER = 64 * 1024;
/** Schedules a batch's write at the end of the turn (a promise job: fake timers leave it alone). */
const RESOLVED = Promise.resolve();

/**
 * Where a {@link ClientStream} can write directly instead of through its web
 * stream: `toNodeHandler`'s `ServerResponse` (a string goes to the socket as
 * it is, with no encoding here and no promise per chunk).
 */
export interface DirectSink {
  /** Writes a chunk; `false` when the destination is full: the stream then waits for {@link ClientStream.drain}. */
  write(chunk: string | Uint8Array): boolean;
  /** Everything is written: finish. */
  end(): void;
  /** The client was dropped: close at once. */
  destroy(): void;
}

/** The ClientStream behind each stream it made, for {@link directClient}. */
const clients = new WeakMap<ReadableStream<Uint8Array>, ClientStream>();

/**
 * The {@link ClientStream} whose web stream `body` is, when nobody has begun
 * to read it: a server adapter may then {@link ClientStream.attach} its socket
 * and skip the web stream. Any other body: `undefined` (read it as a stream).
 */
export function directClient(body: ReadableStream<Uint8Array>): ClientStream | undefined {
  return body.locked ? undefined : clients.get(body);
}

/** How a {@link ClientStream} paces one client. */
export interface ClientStreamOptions {
  /** Bytes waiting for the client past which `ready()` asks the producer to wait. */
  maxBufferedBytes: number;
  /** A client that takes nothing for this long while something waits for it is dropped. `0` or `Infinity`: never. */
  clientTimeoutMs: number;
  /** A comment goes out after between one and two of these of silence. `0` or `Infinity`: none. */
  heartbeatMs: number;
  /** The client went away (the stream was cancelled). */
  onCancel(): void;
  /** The client was dropped for taking nothing for `clientTimeoutMs`: the stream errored. */
  onDrop(): void;
}

/**
 * The bytes on their way to one client: a web `ReadableStream` (a
 * `Response` body) that hands frames over as the client takes them.
 *
 * The stream pulls (high-water mark 0): a frame goes to the runtime at once
 * when it is waiting for one; otherwise frames wait here, encoded into one
 * buffer that is its next read (fewer, larger writes to a slow socket, and
 * no allocation per frame). A read
 * is the client's progress; `toNodeHandler` reads again only once the socket
 * has taken the last chunk (its `'drain'`).
 *
 * - `ready()`: `undefined` while less than `maxBufferedBytes` wait, else a
 *   Promise that settles once the client has taken them (or is gone): the
 *   relay's upstream read loop awaits it, so the upstream is not read while
 *   the client does not read (TCP backpressure).
 * - A client that takes nothing for `clientTimeoutMs` while frames (or the
 *   end) wait for it is dropped: the stream errors (the runtime closes the
 *   connection) and `onDrop` is called. Checked every quarter of the limit
 *   by one timer, armed only while something waits: no timer per frame.
 *   Before the runtime's first read (the handler is still choosing between a
 *   stream and an error answer), nobody is stuck and no heartbeat is sent.
 *
 * A stream is the end of one client's path; a resumable generation (several
 * clients, a store) feeds one per client.
 *
 * `toNodeHandler` writes to the socket directly ({@link attach}): the same
 * pacing with `'drain'` as the client's read, and no web stream between.
 */
export class ClientStream {
  readonly stream: ReadableStream<Uint8Array>;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** Frames waiting for the client, encoded into one growing buffer (no allocation per frame)… */
  private pending = EMPTY;
  /** …of which this many bytes are used. */
  private bytes = 0;
  /** A read waits for data: the next frame goes to it at once. */
  private wanted = false;
  /** No more frames will come; the stream closes once the client has taken the last. */
  private ended = false;
  /** Closed, errored or cancelled. */
  private done = false;
  /** Reads so far: the client's progress. */
  private reads = 0;
  private sent = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private watch: ReturnType<typeof setTimeout> | undefined;
  private waiters: (() => void)[] = [];
  /** Written to directly, once attached (the web stream is then never read). */
  private sink: DirectSink | undefined;
  /** Frames for the sink, written in one go at the end of the current turn (a microtask). */
  private batch = '';
  private readonly flush = (): void => {
    const text = this.batch;
    this.batch = '';
    if (this.done || text === '') return;
    this.wanted = this.sink!.write(text);
    if (!this.ended) return;
    if (this.wanted) this.close();
    else this.arm(); // the end waits for a 'drain'
  };

  constructor(private readonly options: ClientStreamOptions) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.pull(),
        cancel: () => this.cancel(),
      },
      { highWaterMark: 0 },
    );
    clients.set(this.stream, this);
    const { heartbeatMs } = options;
    if (heartbeatMs > 0 && heartbeatMs < Infinity) {
      this.heartbeat = setInterval(() => {
        // Only once the runtime reads (the answer has begun): before, nothing goes out anyway.
        if (!this.sent && this.reads > 0) this.write(HEARTBEAT);
        this.sent = false;
      }, heartbeatMs);
    }
  }

  /** Bytes waiting for the client. */
  get buffered(): number {
    return this.bytes;
  }

  /** Sends SSE text (one or more frames, or a comment). Ignored once ended. */
  write(text: string): void {
    if (this.done || this.ended) return;
    this.sent = true;
    if (this.wanted) {
      if (this.sink) {
        // The socket had room: the frames of this turn (an upstream chunk's events) go as one write, as
        // they are, once they are all here; a full socket's 'drain' is the next read.
        if (this.batch === '') void RESOLVED.then(this.flush);
        this.batch += text;
        return;
      }
      this.wanted = false;
      this.controller!.enqueue(encoder.encode(text));
      return;
    }
    let rest = text;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, this.pending.subarray(this.bytes));
      this.bytes += written;
      if (read === rest.length) break;
      rest = rest.slice(read);
      // At most 3 bytes per UTF-16 unit: room for the rest, at least doubled.
      const grown = new Uint8Array(Math.max(MIN_BUFFER, this.pending.length * 2, this.bytes + rest.length * 3));
      grown.set(this.pending.subarray(0, this.bytes));
      this.pending = grown;
    }
    this.arm();
  }

  /** No more frames: the stream closes once the client has taken what waits. */
  end(): void {
    if (this.done || this.ended) return;
    this.ended = true;
    this.stopHeartbeat();
    if (this.batch !== '') return; // the flush closes after it (or a full socket's drain does)
    if (this.wanted) this.close();
    else this.arm();
  }

  /** `undefined` while the client keeps up; else a Promise that settles when it has caught up or is gone. */
  ready(): Promise<void> | undefined {
    if (this.done || this.bytes < this.options.maxBufferedBytes) return undefined;
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Writes to `sink` from now on instead of the web stream (which is then
   * never read): what waits goes at once; the sink's `'drain'` must call
   * {@link drain}, its going away {@link cancel}. Only before the web stream
   * is read ({@link directClient}).
   */
  attach(sink: DirectSink): void {
    if (this.sink !== undefined || this.reads > 0) throw new Error('this client stream is read already');
    this.sink = sink;
    if (!this.done) this.pull();
  }

  /** The attached sink has room again: its next read. */
  drain(): void {
    if (!this.done && !this.wanted) this.pull();
  }

  /** The client went away: stop, and tell the producer. */
  cancel(): void {
    if (this.done) return;
    this.finish();
    this.options.onCancel();
  }

  private pull(): void {
    this.reads++;
    if (this.bytes > 0) {
      const chunk = this.pending.slice(0, this.bytes);
      this.bytes = 0;
      // A buffer grown large for a burst is not kept for the quiet that follows.
      if (this.pending.length > KEEP_BUFFER) this.pending = EMPTY;
      if (this.sink === undefined) {
        // A web stream pulls again when it wants more.
        this.controller!.enqueue(chunk);
        this.release();
        return;
      }
      // A sink with room wants more now; a full one says so at its 'drain'.
      const room = this.sink.write(chunk);
      this.release();
      if (!room) return;
    }
    if (this.ended) {
      this.close();
    } else {
      this.wanted = true;
    }
  }

  /**
   * Arms the stuck-client check, unless it is armed or off, or the runtime
   * has not begun to read (a handler still choosing its status: nobody is
   * there to be stuck yet).
   */
  private arm(): void {
    const limit = this.options.clientTimeoutMs;
    if (this.watch !== undefined || this.reads === 0 || !(limit > 0 && limit < Infinity)) return;
    let seen = this.reads;
    let quiet = 0;
    const check = (): void => {
      this.watch = undefined;
      // Nothing waits for the client: it is not stuck (the upstream may be thinking).
      if (this.done || (this.bytes === 0 && !this.ended)) return;
      if (this.reads !== seen) {
        seen = this.reads;
        quiet = 0;
      } else if (++quiet >= 4) {
        this.drop();
        return;
      }
      this.watch = setTimeout(check, limit / 4);
    };
    this.watch = setTimeout(check, limit / 4);
  }

  /**
   * Drops the client now, as a stuck one is: the stream errors (the runtime
   * closes the connection) and `onDrop` is called. For a generation's
   * reader that fell `maxBufferedBytes` behind (the generation never waits
   * for it; it can resume from the store).
   */
  drop(): void {
    if (this.done) return;
    this.finish();
    if (this.sink) this.sink.destroy();
    else this.controller!.error(new CohereError(`the client read nothing for ${this.options.clientTimeoutMs} ms: dropped`));
    this.options.onDrop();
  }

  private close(): void {
    this.finish();
    if (this.sink) this.sink.end();
    else this.controller!.close();
  }

  private finish(): void {
    this.done = true;
    this.batch = '';
    this.pending = EMPTY;
    this.bytes = 0;
    this.stopHeartbeat();
    if (this.watch !== undefined) clearTimeout(this.watch);
    this.watch = undefined;
    this.release();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
