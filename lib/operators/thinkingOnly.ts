import type { OperatorFunction } from 'rxjs';
import type { ToolLoopEvent } from '../types/loop';
import { pieces } from './pieces';

/**
 * Emits each piece of a reasoning model's thinking as a `string`.
 *
 * Takes the `thinking` of every `content-delta` (the blocks a reasoning model
 * opens with `content-start` of type `thinking`). Empty pieces are skipped.
 *
 * ```text
 * source: --s--t--h--i--T--c--a--C--e--|   (h, i: thinking 'Hmm', ' ok'; a: answer text)
 * result: --------A--B-----------------|   thinkingOnly()   (A: 'Hmm', B: ' ok')
 * ```
 *
 * ## Example
 * Show the model's reasoning in a side panel.
 * ```ts
 * import { chatStream$, thinkingOnly } from 'cohere-rx';
 * import { scan } from 'rxjs';
 *
 * const reasoning$ = chatStream$(request).pipe(thinkingOnly(), scan((all, piece) => all + piece, ''));
 * ```
 *
 * @see {@link textOnly} for the answer text.
 * @returns An operator from chat events to thinking pieces.
 */
export function thinkingOnly(): OperatorFunction<ToolLoopEvent, string> {
  return pieces((event) => (event.type === 'content-delta' ? event.delta?.message?.content?.thinking : undefined));
}
