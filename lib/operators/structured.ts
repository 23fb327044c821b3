import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Observable, Subscription, type Observer, type OperatorFunction, type Subscriber } from 'rxjs';
import { CohereConfigError } from '../errors/CohereConfigError';
import { CohereJsonError, isCohereJsonError } from '../errors/CohereJsonError';
import { JsonPrefixParser } from '../internal/jsonPrefixParser';
import { isStandardSchema, isThenable, outputOf } from '../internal/standardSchema';
import type { ToolLoopEvent } from '../types/loop';
import type { DeepPartial } from '../types/schema';

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

/**
 * Parses a JSON answer as it streams and validates it once it ended, with any
 * Standard Schema (zod, valibot, arktype…): a typed form filling in, then one
 * checked, typed value.
 *
 * It reads the answer text of each message (`content-delta` text; thinking is
 * skipped) with the incremental parser of `partialJson()`, each character
 * once, and emits `{ done: false, partial }` each time the value so far
 * changes (settled parts keep their identity, as in `partialJson()`). When
 * the message ends (`message-end`), the whole value is validated and `{
 * done: true, value }` carries the schema's output. An async validator is
 * waited for, and what follows the answer waits with it (the next message,
 * the source's completion or error), so the order holds. Over a tool loop it starts over at each `message-start` and answers
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
  // Not createOperator(): an async validator must hold back what follows the
  // answer, completion included, which its handlers cannot. AnswerLink keeps
  // the same guarantees (linked before the source is subscribed, a throw
  // errors the output once, state per subscription).
  return (source) =>
    new Observable((destination) => {
      const link = new AnswerLink(destination, schema);
      destination.add(link);
      if (!link.closed) source.subscribe(link);
    });
}

/** What the link emits, before `structured()` types it from the schema. */
type Emitted = { readonly done: false; readonly partial: unknown } | { readonly done: true; readonly value: unknown };

/**
 * The link between the source and one subscriber: a Subscription that is also
 * the Observer RxJS subscribes to the source as it is (so a synchronous source
 * sees it closed as soon as downstream unsubscribes).
 */
class AnswerLink extends Subscription implements Observer<ToolLoopEvent> {
  private readonly destination: Subscriber<Emitted>;
  private readonly schema: StandardSchemaV1;
  /** The current message's answer, parsed so far; `undefined` outside a message or once answered. */
  private parser: JsonPrefixParser | undefined;
  /** An async validation is running: events wait in `held`, the source's end in `ended` (its error, or completion). */
  private validating = false;
  private held: ToolLoopEvent[] = [];
  private ended: { error: unknown } | true | undefined;

  constructor(destination: Subscriber<Emitted>, schema: StandardSchemaV1) {
    super();
    this.destination = destination;
    this.schema = schema;
    if (!isStandardSchema(schema)) {
      this.error(
        new CohereConfigError(
          'schema',
          'structured() expected a Standard Schema (a zod, valibot or arktype schema…: an object with ~standard.validate)',
        ),
      );
    }
  }

  next(event: ToolLoopEvent): void {
    if (this.closed) return;
    if (this.validating) {
      this.held.push(event);
      return;
    }
    try {
      this.handle(event);
    } catch (error) {
      this.fail(error);
    }
  }

  /** The source's error: after the answer being validated, if any. */
  error(error: unknown): void {
    if (this.closed) return;
    if (this.validating) this.ended = { error };
    else this.fail(error);
  }

  complete(): void {
    if (this.closed) return;
    if (!this.validating && this.parser !== undefined) {
      try {
        this.end(); // ended without its message-end: a whole value still counts, a cut one is an error
      } catch (error) {
        this.fail(error);
        return;
      }
    }
    if (this.validating) {
      this.ended = true;
      return;
    }
    this.unsubscribe();
    this.destination.complete();
  }

  /** Errors the output, once, and lets go of the source. */
  private fail(error: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    this.destination.error(error);
  }

  private handle(event: ToolLoopEvent): void {
    switch (event.type) {
      case 'message-start':
        this.parser = new JsonPrefixParser();
        return;
      case 'content-delta': {
        const text = event.delta?.message?.content?.text;
        if (typeof text !== 'string' || text === '') return;
        const parser = (this.parser ??= new JsonPrefixParser());
        try {
          parser.push(text);
        } finally {
          // On a fault, what was parsed before it is delivered, then the error.
          if (parser.changed) this.destination.next({ done: false, partial: parser.snapshot() });
        }
        return;
      }
      case 'message-end': {
        if (this.parser === undefined) return;
        const reason = event.delta?.finish_reason;
        if (reason === 'TOOL_CALL')
          this.parser = undefined; // a tool turn, not the answer: the next message is
        else if (reason !== 'ERROR' && reason !== 'TIMEOUT') this.end(reason === 'MAX_TOKENS' ? MAX_TOKENS : undefined);
        // ERROR, TIMEOUT: the source's own error follows
        return;
      }
      default:
        return;
    }
  }

  /** The answer ended: its whole value, validated (now, or when an async validator settles). */
  private end(why?: string): void {
    const parser = this.parser!;
    this.parser = undefined;
    try {
      parser.finish();
    } catch (error) {
      throw why !== undefined && isCohereJsonError(error) ? explained(error, why) : error;
    }
    const value = parser.snapshot();
    const result = this.schema['~standard'].validate(value);
    if (!isThenable(result)) {
      this.destination.next({ done: true, value: outputOf(result, value) });
      return;
    }
    this.validating = true;
    result.then(
      (settled) => {
        if (this.closed) return;
        this.validating = false;
        try {
          this.destination.next({ done: true, value: outputOf(settled, value) });
        } catch (error) {
          this.fail(error);
          return;
        }
        this.resume();
      },
      (error: unknown) => this.fail(error),
    );
  }

  /** After an async validation: the events that waited, in order (until another validation waits), then the source's end. */
  private resume(): void {
    while (this.held.length > 0 && !this.validating && !this.closed) this.next(this.held.shift()!);
    const ended = this.ended;
    if (ended === undefined || this.validating || this.closed) return;
    this.ended = undefined;
    if (ended === true) this.complete();
    else this.fail(ended.error);
  }
}

const MAX_TOKENS = 'the answer stopped at max_tokens: finish_reason MAX_TOKENS';

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
