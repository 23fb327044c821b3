import type { OperatorFunction } from 'rxjs';
import type { ToolLoopEvent } from '../types/loop';
import { createOperator } from './createOperator';

/**
 * The shared body of `textOnly()`, `thinkingOnly()` and `toolPlan()` (not
 * exported from the package): emits the non-empty string that `pick` finds
 * in an event, and passes errors and completion through.
 */
export function pieces(pick: (event: ToolLoopEvent) => string | undefined): OperatorFunction<ToolLoopEvent, string> {
  return createOperator((subscriber) => ({
    next: (event) => {
      const piece = pick(event);
      if (typeof piece === 'string' && piece !== '') subscriber.next(piece);
    },
  }));
}
