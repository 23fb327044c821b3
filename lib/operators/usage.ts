import type { OperatorFunction } from 'rxjs';
import type { Usage } from '../types/common';
import type { ToolLoopEvent } from '../types/loop';
import { createOperator } from './createOperator';

/**
 * Emits the token usage of the turn, once, from `message-end`.
 *
 * Over a source of several messages (a tool loop), once per message: a
 * `message-start` begins the next. Emits nothing when `message-end` carries
 * no `usage`. Completes when the
 * source completes; errors pass through.
 *
 * ```text
 * source: --s--a--b--e--|
 * result: -----------A--|   usage()   (A: the usage of e)
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
export function usage(): OperatorFunction<ToolLoopEvent, Usage> {
  return createOperator((subscriber) => {
    let emitted = false;
    return {
      next: (event) => {
        // Once per message: a tool loop streams several, each with its own usage.
        if (event.type === 'message-start') emitted = false;
        if (emitted || event.type !== 'message-end') return;
        const value = event.delta?.usage;
        if (value && typeof value === 'object') {
          emitted = true;
          subscriber.next(value);
        }
      },
    };
  });
}
