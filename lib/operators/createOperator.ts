import { Observable, Subscription, type Observer, type OperatorFunction, type Subscriber } from 'rxjs';

/** What an operator does with each notification of its source, per subscription. */
export interface OperatorHandlers<T> {
  /** Handles one value; may emit any number of values to the destination, or throw. */
  next(value: T): void;
  /** Runs when the source completes, before the destination completes (a flush may emit). */
  complete?: (() => void) | undefined;
}

/**
 * The core every cohere-rx operator is built on (internal, not exported from
 * the package), playing the part of RxJS's own `operate` + operator
 * subscriber, with public API only:
 *
 * - `init` runs once per subscription, so state lives in its closure;
 * - the link to the source is added to the destination **before** the source
 *   is subscribed, so a downstream unsubscribe (`take(1)`) stops even a
 *   synchronous source at once, instead of after it has pushed everything;
 * - anything thrown while handling a notification becomes the output's
 *   `error` (the source is unsubscribed), never a completion and never
 *   `config.onUnhandledError`;
 * - errors and completion of the source are forwarded once.
 *
 * The link is a `Subscription` that is also an `Observer`: RxJS subscribes it
 * to the source as it is (no wrapper), so its `closed` is what a synchronous
 * source checks between values.
 */
export function createOperator<T, R>(init: (destination: Subscriber<R>) => OperatorHandlers<T>): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((destination) => {
      const link = new SourceLink<T>(destination, init);
      destination.add(link);
      if (!link.closed) source.subscribe(link);
    });
}

class SourceLink<T> extends Subscription implements Observer<T> {
  private readonly destination: Subscriber<unknown>;
  private readonly handlers: OperatorHandlers<T> | undefined;

  constructor(destination: Subscriber<unknown>, init: (destination: Subscriber<never>) => OperatorHandlers<T>) {
    super();
    this.destination = destination;
    try {
      this.handlers = init(destination);
    } catch (error) {
      this.error(error);
    }
  }

  next(value: T): void {
    if (this.closed) return;
    try {
      this.handlers!.next(value);
    } catch (error) {
      this.error(error);
    }
  }

  error(error: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    this.destination.error(error);
  }

  complete(): void {
    if (this.closed) return;
    const flush = this.handlers!.complete;
    if (flush) {
      try {
        flush();
      } catch (error) {
        this.error(error);
        return;
      }
      if (this.closed) return;
    }
    this.unsubscribe();
    this.destination.complete();
  }
}
