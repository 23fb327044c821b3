import type { OperatorFunction } from 'rxjs';
import type { ToolLoopEvent } from '../types/loop';
import type { ChatResponseSnapshot } from '../types/response';
import { createOperator } from './createOperator';
import { initialMessageState, reduceMessage } from './messageReducer';

/**
 * Emits the response so far, as an immutable snapshot, after each event that changes it.
 *
 * Each snapshot has the shape of a non-streaming v2 chat response:
 * `{ id, message: { role: 'assistant', content, tool_plan?, tool_calls?,
 * citations? }, finish_reason?, usage? }`, content blocks in `index` order.
 * `snapshot.message` can be appended to the next request's `messages` as it
 * is. Every emission is a new object; the parts an event did not touch keep
 * their identity (cheap for `OnPush` and `distinctUntilChanged`). The cost per
 * event does not grow with the length of the answer.
 *
 * Each `message-start` starts a fresh snapshot, so over a source of several
 * messages (the output of `runTools$()`) it gives the snapshots of each
 * message in turn, never one mixing two.
 *
 * ```text
 * source: --s--c--a--b--C--e--|   (letters: the marble legend of docs/operators.md)
 * result: --A--B--D--F-----G--|   accumulateMessage()   (A: no content, B: an empty text block,
 *                                  D: 'He', F: 'Hello', G: with finish_reason and usage)
 * ```
 *
 * ## Example
 * Keep the whole message, then send it back with the tool results.
 * ```ts
 * import { chatStream$, accumulateMessage } from 'cohere-rx';
 * import { last } from 'rxjs';
 *
 * chatStream$(request).pipe(accumulateMessage(), last()).subscribe((response) => {
 *   request.messages.push(response.message);
 * });
 * ```
 *
 * @see {@link textOnly} when only the text pieces matter.
 * @returns An operator from chat events to {@link ChatResponseSnapshot}s.
 */
export function accumulateMessage(): OperatorFunction<ToolLoopEvent, ChatResponseSnapshot> {
  return createOperator((subscriber) => {
    let state = initialMessageState();
    return {
      next: (event) => {
        const next = reduceMessage(state, event);
        if (next === state) return;
        state = next;
        subscriber.next(state.response);
      },
    };
  });
}
