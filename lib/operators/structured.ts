import type { StandardSchemaV1 } from '@standard-schema/spec';
import { concatMap, map, type Observable, type OperatorFunction } from 'rxjs';
import { CohereConfigError } from '../errors/CohereConfigError';
import { CohereJsonError, isCohereJsonError } from '../errors/CohereJsonError';
import { JsonPrefixParser } from '../internal/jsonPrefixParser';
import { isStandardSchema, validated } from '../internal/standardSchema';
import type { ToolLoopEvent } from '../types/loop';
import type { DeepPartial } from '../types/schema';
import { createOperator } from './createOperator';

/**
 * What `structured()` emits: the answer so far while it streams (`done:
 * false`, `partial` not validated yet, typed as a deep-partial of the
 * schema's input), then once, when the answer ended and validated, the
 * schema's output (`done: true`).
 */
export type StructuredAnswer<Input, Output = Input> =
  | {
      /** The answer is still streaming. */
      readonly done: false;
      /** The value parsed so far (as `partialJson()` shows it): not validated yet. */
      readonly partial: DeepPartial<Input>;
    }
  | {
      /** The answer ended and validated. */
      readonly done: true;
      /** The schema's output: defaults filled in, transforms applied. */
      readonly value: Output;
    };

/** A step of the parse stage: a partial, or an answer's whole value waiting to be validated. */
type Parsed = { readonly done: false; readonly partial: unknown } | { readonly done: true; readonly answer: unknown };

/**
 * Parses a JSON answer as it streams and validates it once it ended, with any
 * Standard Schema (zod, valibot, arktype…): a typed form filling in, then one
 * checked, typed value.
 *
 * It reads the answer text of each message (`content-delta` text; thinking is
 * skipped) with the incremental parser of `partialJson()`, each character
 * once, and emits `{ done: false, partial }` each time the value so far
 * changes (settled parts keep their identity, as in `partialJson()`). When
 * the message ends (`message-end`), the whole value is validated (an async
 * validator is waited for) and `{ done: true, value }` carries the schema's
 * output. Over a tool loop it starts over at each `message-start` and answers
 * for the message that ends the loop: a `TOOL_CALL` turn is not an answer.
 * Pair it with `response_format: responseFormat(schema)` on the request.
 *
 * Errors, after every partial that came before: a value that fails the
 * schema, `CohereValidationError` (with `issues`); text that is not JSON,
 * `CohereJsonError` (`invalid`, at the first wrong character); JSON cut short
 * (the answer stopped at `MAX_TOKENS`, or the source completed mid-answer),
 * `CohereJsonError` (`incomplete`). A source that completes with no answer
 * message completes with no `done: true`.
 *
 * ```text
 * source: --s--a----b------v--e--|    (s: message-start; a, b, v: text '{"city":"Par', 'is","days":[1,', '2]}'; e: message-end)
 * result: -----A----B------D--V--|    structured(schema)
 *   A: { done: false, partial: { city: 'Par' } }   B: { done: false, partial: { city: 'Paris', days: [1] } }
 *   D: { done: false, partial: { city: 'Paris', days: [1, 2] } }   V: { done: true, value: (the schema's output) }
 *
 * source: --s--a----b------v--e--|
 * result: -----A----B------D--#       # = CohereValidationError (the value failed the schema)
 *
 * source: --s--a----b--m--|           (m: message-end MAX_TOKENS)
 * result: -----A----B--#              # = CohereJsonError, reason 'incomplete'
 * ```
 *
 * ## Example
 * A typed recipe: fields show as the model writes them, then the validated value.
 * ```ts
 * import { chatStream$, responseFormat, structured } from 'cohere-rx';
 * import { z } from 'zod';
 *
 * const Recipe = z.object({ title: z.string(), minutes: z.number().int(), steps: z.array(z.string()) });
 *
 * chatStream$({ ...request, response_format: responseFormat(Recipe) })
 *   .pipe(structured(Recipe))
 *   .subscribe((answer) => {
 *     if (answer.done) save(answer.value); // { title: string; minutes: number; steps: string[] }
 *     else render(answer.partial); // { title?: string; minutes?: number; steps?: string[] }
 *   });
 * ```
 *
 * @see {@link responseFormat} for the request side.
 * @see {@link partialJson} for untyped previews of any JSON text.
 * @see {@link CohereValidationError}
 * @see {@link CohereJsonError}
 * @param schema Any Standard Schema validator of the answer.
 * @returns An operator from events to the answer so far, then the validated answer.
 */
export function structured<Schema extends StandardSchemaV1>(
  schema: Schema,
): OperatorFunction<ToolLoopEvent, StructuredAnswer<StandardSchemaV1.InferInput<Schema>, StandardSchemaV1.InferOutput<Schema>>> {
  type Answer = StructuredAnswer<StandardSchemaV1.InferInput<Schema>, StandardSchemaV1.InferOutput<Schema>>;
  return (source) =>
    source.pipe(
      answers(schema),
      // Partials pass as they are; an answer waits for its validation, and
      // what follows it waits in turn (an async validator keeps the order).
      concatMap((step): Observable<Answer> | Answer[] =>
        step.done
          ? validated(schema, step.answer).pipe(
              map((value): Answer => ({ done: true, value: value as StandardSchemaV1.InferOutput<Schema> })),
            )
          : [step as Answer],
      ),
    );
}

/** The parse stage: each message's text, parsed as it arrives; its whole value when it ends as an answer. */
function answers(schema: StandardSchemaV1): OperatorFunction<ToolLoopEvent, Parsed> {
  return createOperator((subscriber) => {
    if (!isStandardSchema(schema)) {
      throw new CohereConfigError(
        'schema',
        'structured() expected a Standard Schema (a zod, valibot or arktype schema…: an object with ~standard.validate)',
      );
    }
    /** The current message's answer, parsed so far; `undefined` outside a message or once answered. */
    let parser: JsonPrefixParser | undefined;

    const end = (why?: string): void => {
      const whole = parser!;
      parser = undefined;
      try {
        whole.finish();
      } catch (error) {
        throw why !== undefined && isCohereJsonError(error) ? explained(error, why) : error;
      }
      subscriber.next({ done: true, answer: whole.snapshot() });
    };

    return {
      next: (event) => {
        switch (event.type) {
          case 'message-start':
            parser = new JsonPrefixParser();
            return;
          case 'content-delta': {
            const text = event.delta?.message?.content?.text;
            if (typeof text !== 'string' || text === '') return;
            const current = (parser ??= new JsonPrefixParser());
            try {
              current.push(text);
            } finally {
              // On a fault, what was parsed before it is delivered, then the error.
              if (current.changed) subscriber.next({ done: false, partial: current.snapshot() });
            }
            return;
          }
          case 'message-end': {
            if (parser === undefined) return;
            const reason = event.delta?.finish_reason;
            if (reason === 'TOOL_CALL')
              parser = undefined; // a tool turn, not the answer: the next message is
            else if (reason === 'ERROR' || reason === 'TIMEOUT')
              return; // the source's own error follows
            else end(reason === 'MAX_TOKENS' ? 'the answer stopped at max_tokens: finish_reason MAX_TOKENS' : undefined);
            return;
          }
          default:
            return;
        }
      },
      complete: () => {
        if (parser !== undefined) end(); // ended without its message-end: a whole value still counts, a cut one is an error
      },
    };
  });
}

/**
 * The parser's `incomplete` error, saying why the text ended (its `problem`
 * text read back from the message it wrote: the parser, shared with
 * `partialJson()`, stays as it is).
 */
function explained(error: CohereJsonError, why: string): CohereJsonError {
  const head = `Incomplete JSON at line ${error.line}, column ${error.column} (offset ${error.offset}): `;
  const tail = `, near ${JSON.stringify(error.near)}`;
  const { message } = error;
  if (!message.startsWith(head) || !message.endsWith(tail)) return error;
  return new CohereJsonError(error.reason, error, error.near, `${message.slice(head.length, -tail.length)} (${why})`);
}
