import type { StepEndEvent } from '../types/loop';

/**
 * Narrows a `runTools$()` event to a `step-end`.
 *
 * After each step: `event.response` is the model turn's final snapshot,
 * `event.toolResults` the tool messages sent back, and `event.messages` the
 * whole conversation so far: append the user's next message to it.
 *
 * ```text
 * source: --s--E--f--1--s--a--e--2--|   (f: tool-result; 1, 2: step-end of steps 1 and 2)
 * result: -----------1-----------2--|   filter(isStepEndEvent)
 * ```
 *
 * ## Example
 * Keep the conversation for the next question.
 * ```ts
 * import { isStepEndEvent, runTools$ } from 'cohere-rx';
 * import { filter, last } from 'rxjs';
 *
 * runTools$(request, { tools }).pipe(filter(isStepEndEvent), last()).subscribe((end) => {
 *   history = end.messages;
 * });
 * ```
 *
 * @see {@link runTools$}
 * @param event Any value, usually an event of `runTools$()`.
 * @returns Whether it is a `step-end` event.
 */
export function isStepEndEvent(event: unknown): event is StepEndEvent {
  return event !== null && typeof event === 'object' && (event as { type?: unknown }).type === 'step-end';
}
