import type { Observable, Subscription } from 'rxjs';
import { RELAY_ERROR, type RelayErrorInfo } from '../internal/relay';
import { sseComment, sseFrame } from './sseFrame';

/** What came first out of the source: an event (or its completion), or an error. */
export type FirstOutcome = { readonly error: unknown } | undefined;

/** The heartbeat's text: an SSE comment, ignored by every client. */
const HEARTBEAT = sseComment('keep-alive');

/**
 * The engine of `toEventStream()` and of the chat handler: subscribes to
 * `events$` when the stream starts (at once) and frames each event; an error
 * becomes a final error frame, then the stream closes; `cancel()`
 * unsubscribes. `first` settles at the first event, completion or error, so a
 * handler can choose between a stream and an error response without reading
 * the stream.
 *
 * Frames go into the stream's queue one by one while the reader keeps up.
 * Once it falls behind (the queue is full), they are joined into one chunk,
 * handed over at the reader's next pull: fewer, larger writes to a slow
 * socket. An Observable cannot be paused, so what waits is held here; for a
 * chat stream that is at most one answer.
 *
 * @param heartbeatMs A comment is sent when nothing else was for between one
 * and two of these; `0` or `Infinity`: none.
 * @param frame Frames one event (the chat handler scrubs `message-end`s with it).
 */
export function openEventStream(
  events$: Observable<unknown>,
  heartbeatMs: number,
  describe: (error: unknown) => RelayErrorInfo,
  frame: (event: unknown) => string = sseFrame,
): { stream: ReadableStream<Uint8Array>; first: Promise<FirstOutcome> } {
  const encoder = new TextEncoder();
  let settle: (outcome: FirstOutcome) => void = () => {};
  const first = new Promise<FirstOutcome>((resolve) => (settle = resolve));
  let subscription: Subscription | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let cancelled = false;
  /** Frames waiting for the reader's next pull, joined. */
  let pending = '';
  /** Whether anything was sent since the heartbeat last looked. */
  let sent = false;

  const stop = (): void => {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
  };

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const push = (text: string): void => {
        sent = true;
        if (pending === '' && (controller.desiredSize ?? 0) > 0) controller.enqueue(encoder.encode(text));
        else pending += text;
      };
      const close = (): void => {
        stop();
        if (cancelled) return;
        if (pending !== '') controller.enqueue(encoder.encode(pending));
        pending = '';
        controller.close();
      };
      if (heartbeatMs > 0 && heartbeatMs < Infinity) {
        heartbeat = setInterval(() => {
          if (!sent) push(HEARTBEAT);
          sent = false;
        }, heartbeatMs);
      }
      subscription = events$.subscribe({
        next: (event) => {
          settle(undefined);
          push(frame(event));
        },
        error: (error: unknown) => {
          settle({ error });
          push(sseFrame({ type: RELAY_ERROR, error: describe(error) }));
          close();
        },
        complete: () => {
          settle(undefined);
          close();
        },
      });
    },
    pull(controller) {
      if (pending === '') return;
      controller.enqueue(encoder.encode(pending));
      pending = '';
    },
    cancel() {
      cancelled = true;
      pending = '';
      stop();
      subscription?.unsubscribe();
    },
  });
  return { stream, first };
}
