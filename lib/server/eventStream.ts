import type { Observable, Subscription } from 'rxjs';
import { RELAY_ERROR, type RelayErrorInfo } from '../internal/relay';
import { ClientStream } from './clientStream';
import type { FrameWriter } from './frames';

/** What came first out of the source: an event (or its completion), or an error. */
export type FirstOutcome = { readonly error: unknown } | undefined;

/** How {@link openEventStream} frames, paces and reports. */
export interface EventStreamEngineOptions {
  /** The one frame writer of this response. */
  writer: FrameWriter;
  /** Frames one event of the source (its SSE text). */
  frame: (event: unknown) => string;
  /** The error frame's description of the error the source failed with. */
  describe: (error: unknown) => RelayErrorInfo;
  heartbeatMs: number;
  maxBufferedBytes: number;
  clientTimeoutMs: number;
  /** The client was dropped for not reading (the source is unsubscribed already). */
  onDrop?: (() => void) | undefined;
}

/**
 * The engine of `toEventStream()` and of the chat handler: subscribes to the
 * source at once and sends each event, framed, to one client (a
 * {@link ClientStream}); an error becomes a final error frame (a relay
 * frame, under the reserved name), then the stream closes; a client that
 * goes away or is dropped for not reading unsubscribes the source. `first`
 * settles at the first event, completion or error, so a handler can choose
 * between a stream and an error response before sending anything.
 *
 * @param source Makes the source, given the client's `ready()` (the relay
 * passes it into `chatStream$()`'s read loop: the upstream is read only as
 * fast as the client reads).
 */
export function openEventStream(
  source: (ready: () => Promise<void> | undefined) => Observable<unknown>,
  options: EventStreamEngineOptions,
): { stream: ReadableStream<Uint8Array>; first: Promise<FirstOutcome> } {
  const { writer, frame, describe } = options;
  let settle: (outcome: FirstOutcome) => void = () => {};
  const first = new Promise<FirstOutcome>((resolve) => (settle = resolve));
  // Set once subscribed; `stop` may run before that (an event that cannot be framed, emitted while subscribing).
  const held: { subscription?: Subscription } = {};
  let over = false;
  const stop = (): void => {
    over = true;
    held.subscription?.unsubscribe();
  };
  const client = new ClientStream({
    maxBufferedBytes: options.maxBufferedBytes,
    clientTimeoutMs: options.clientTimeoutMs,
    heartbeatMs: options.heartbeatMs,
    onCancel: stop,
    onDrop: () => {
      // Without a store the client was the generation's only reader: it stops here.
      stop();
      options.onDrop?.();
    },
  });
  const fail = (error: unknown): void => {
    settle({ error });
    client.write(writer.relay(RELAY_ERROR, { type: RELAY_ERROR, error: describe(error) }));
    client.end();
  };
  const subscription = source(() => client.ready()).subscribe({
    next: (event) => {
      settle(undefined);
      let text: string;
      try {
        text = frame(event);
      } catch (error) {
        // An event that cannot be framed (a BigInt in it): the stream fails with it.
        stop();
        fail(error);
        return;
      }
      client.write(text);
    },
    error: fail,
    complete: () => {
      settle(undefined);
      client.end();
    },
  });
  held.subscription = subscription;
  if (over) subscription.unsubscribe(); // stopped while subscribing
  return { stream: client.stream, first };
}
