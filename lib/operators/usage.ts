import { Observable, type OperatorFunction } from 'rxjs';
import type { Usage } from '../types/common';
import type { ChatStreamEvent } from '../types/events';

/**
 * Emits the token usage of the turn, once, from `message-end`.
 *
 * Emits nothing when `message-end` carries no `usage`. Completes when the
 * source completes; errors pass through.
 *
 * ```text
 * source: --s--d--d--e--|   (e: message-end with usage u)
 * result: -----------u--|   usage()
 * ```
 *
 * ## Example
 * Log what a turn cost.
 * ```ts
 * import { chatStream$, usage } from 'cohere-rx';
 *
 * chatStream$(request).pipe(usage()).subscribe((u) => console.log('billed', u.billed_units));
 * ```
 *
 * @see {@link accumulateMessage}, whose last snapshot carries `usage` too.
 * @returns An operator from chat events to the turn's `Usage`.
 */
export function usage(): OperatorFunction<ChatStreamEvent, Usage> {
  return (source) =>
    new Observable<Usage>((subscriber) => {
      let emitted = false;
      return source.subscribe({
        next: (event) => {
          if (emitted || event.type !== 'message-end') return;
          const value = event.delta?.usage;
          if (value && typeof value === 'object') {
            emitted = true;
            subscriber.next(value);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
