import { Observable, type OperatorFunction } from 'rxjs';
import type { ChatStreamEvent } from '../types/events';

/**
 * Emits each piece of answer text as a `string`.
 *
 * Takes the `text` of every `content-delta`; reasoning (`thinking`) is not
 * answer text (see `thinkingOnly()`), nor is the tool plan (see `toolPlan()`).
 * Empty pieces are skipped. Errors and completion pass through.
 *
 * ```text
 * source: --s--d--d--t--d--e--|   (d: content-delta text 'He','llo','!'; t: thinking)
 * result: -----a--b-----c-----|   textOnly()   (a: 'He', b: 'llo', c: '!')
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
export function textOnly(): OperatorFunction<ChatStreamEvent, string> {
  return (source) =>
    new Observable<string>((subscriber) =>
      source.subscribe({
        next: (event) => {
          if (event.type !== 'content-delta') return;
          const text = event.delta?.message?.content?.text;
          if (typeof text === 'string' && text !== '') subscriber.next(text);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
