import type { OperatorFunction } from 'rxjs';
import { JsonPrefixParser } from '../internal/jsonPrefixParser';
import { createOperator } from './createOperator';

/**
 * Parses JSON text arriving in pieces and emits the value parsed so far, each
 * time it changes.
 *
 * A string shows while it grows; an object or array shows as soon as it
 * opens, with its members so far; a number, `true`, `false` and `null` show
 * once they are complete (a number when the next character proves it ended,
 * or at the end for a number alone). An object member shows once its value
 * does. Parsing is incremental (each character is read once), and each
 * emission is a new object only along the path that changed: a settled
 * subtree keeps its identity (`===`) from one emission to the next. Treat the
 * values as immutable. The last emission deep-equals `JSON.parse` of the
 * whole text. Text that is not JSON errors with a `CohereJsonError` that
 * names where (what was parsed before the fault is emitted first); so does a
 * source that completes before the value is complete.
 *
 * ```text
 * source: --a----b------v------|   (text pieces a: '{"city":"Par', b: 'is","days":[1,', v: '2]}')
 * result: --A----B------D------|   partialJson()
 *           (A: { city: 'Par' }, B: { city: 'Paris', days: [1] }, D: { city: 'Paris', days: [1, 2] })
 * ```
 *
 * ## Example
 * Show a `response_format: json_object` answer field by field as it streams.
 * ```ts
 * import { chatStream$, partialJson, textOnly } from 'cohere-rx';
 *
 * chatStream$({ ...request, response_format: { type: 'json_object' } })
 *   .pipe(textOnly(), partialJson())
 *   .subscribe((value) => render(value));
 * ```
 *
 * @see {@link partialToolCalls} for tool-call arguments as they arrive.
 * @see {@link CohereJsonError}
 * @returns An operator from pieces of JSON text to the value parsed so far.
 */
export function partialJson(): OperatorFunction<string, unknown> {
  return createOperator((subscriber) => {
    const parser = new JsonPrefixParser();
    return {
      next: (piece) => {
        try {
          parser.push(piece);
        } finally {
          // On a fault, what was parsed before it is delivered, then the error.
          if (parser.changed) subscriber.next(parser.snapshot());
        }
      },
      complete: () => {
        parser.finish();
        if (parser.changed) subscriber.next(parser.snapshot());
      },
    };
  });
}
