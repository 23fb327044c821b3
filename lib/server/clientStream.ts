import { CohereError } from 'cohere-rx';
import { sseComment } from './frames';

const encoder = new TextEncoder();
const HEARTBEAT = sseComment('keep-alive');

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
 * when it is waiting for one; otherwise frames wait here, joined into one
 * chunk for its next read (fewer, larger writes to a slow socket). A read
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
 *
 * A stream is the end of one client's path; a resumable generation (several
 * clients, a store) feeds one per client.
 */
export class ClientStream {
  readonly stream: ReadableStream<Uint8Array>;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private chunks: Uint8Array[] = [];
  /** Bytes in `chunks`. */
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

  constructor(private readonly options: ClientStreamOptions) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.pull(),
        cancel: () => {
          if (this.done) return;
          this.finish();
          options.onCancel();
        },
      },
      { highWaterMark: 0 },
    );
    const { heartbeatMs } = options;
    if (heartbeatMs > 0 && heartbeatMs < Infinity) {
      this.heartbeat = setInterval(() => {
        if (!this.sent) this.write(HEARTBEAT);
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
    const bytes = encoder.encode(text);
    if (this.wanted) {
      this.wanted = false;
      this.controller!.enqueue(bytes);
      return;
    }
    this.chunks.push(bytes);
    this.bytes += bytes.byteLength;
    this.arm();
  }

  /** No more frames: the stream closes once the client has taken what waits. */
  end(): void {
    if (this.done || this.ended) return;
    this.ended = true;
    this.stopHeartbeat();
    if (this.wanted) this.close();
    else this.arm();
  }

  /** `undefined` while the client keeps up; else a Promise that settles when it has caught up or is gone. */
  ready(): Promise<void> | undefined {
    if (this.done || this.bytes < this.options.maxBufferedBytes) return undefined;
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private pull(): void {
    this.reads++;
    if (this.bytes > 0) {
      const chunk = this.chunks.length === 1 ? this.chunks[0]! : join(this.chunks, this.bytes);
      this.chunks = [];
      this.bytes = 0;
      this.controller!.enqueue(chunk);
      this.release();
    } else if (this.ended) {
      this.close();
    } else {
      this.wanted = true;
    }
  }

  /** Arms the stuck-client check, unless it is armed or off. */
  private arm(): void {
    const limit = this.options.clientTimeoutMs;
    if (this.watch !== undefined || !(limit > 0 && limit < Infinity)) return;
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

  private drop(): void {
    if (this.done) return;
    this.finish();
    this.controller!.error(new CohereError(`the client read nothing for ${this.options.clientTimeoutMs} ms: dropped`));
    this.options.onDrop();
  }

  private close(): void {
    this.finish();
    this.controller!.close();
  }

  private finish(): void {
    this.done = true;
    this.chunks = [];
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
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

function join(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
