import { Observable, type OperatorFunction } from 'rxjs';
import type { ChatStreamEvent } from '../types/events';

/**
 * The shared body of `textOnly()`, `thinkingOnly()` and `toolPlan()` (not
 * exported from the package): emits the non-empty string that `pick` finds
 * in an event, and passes errors and completion through.
 */
export function pieces(pick: (event: ChatStreamEvent) => string | undefined): OperatorFunction<ChatStreamEvent, string> {
  return (source) =>
    new Observable<string>((subscriber) =>
      source.subscribe({
        next: (event) => {
          const piece = pick(event);
          if (typeof piece === 'string' && piece !== '') subscriber.next(piece);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
