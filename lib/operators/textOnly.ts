import type { OperatorFunction } from 'rxjs';
import type { ToolLoopEvent } from '../types/loop';
import { pieces } from './pieces';

/**
 * Emits each piece of answer text as a `string`.
 *
 * Takes the `text` of every `content-delta`; reasoning (`thinking`) is not
 * answer text (see `thinkingOnly()`), nor is the tool plan (see `toolPlan()`).
 * Empty pieces are skipped. Errors and completion pass through.
 *
 * ```text
 * source: --s--c--a--h--b--C--e--|   (a, b: text 'He', 'llo'; h: a thinking delta)
 * result: --------A-----B--------|   textOnly()   (A: 'He', B: 'llo')
 * ```
 *
 * ## Example
 * Write the answer to the terminal as it streams.
 * ```ts
 * import { chatStream$, textOnly } from 'cohere-rx';
 *
 * chatStream$(request).pipe(textOnly()).subscribe((text) => process.stdout.write(text));
 * ```
 *
 * @see {@link accumulateMessage} for the whole message so far.
 * @returns An operator from chat events to answer-text pieces.
 */
export function textOnly(): OperatorFunction<ToolLoopEvent, string> {
  return pieces((event) => (event.type === 'content-delta' ? event.delta?.message?.content?.text : undefined));
}
