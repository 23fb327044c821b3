import type { OperatorFunction } from 'rxjs';
import { CohereToolArgumentsError } from '../errors/CohereToolArgumentsError';
import { isCohereJsonError } from '../errors/CohereJsonError';
import { JsonPrefixParser } from '../internal/jsonPrefixParser';
import type { ToolLoopEvent } from '../types/loop';
import { createOperator } from './createOperator';
import { ToolCallTracker, wireCallOf, type TrackedCall } from './toolCallTracker';

/** A tool call as far as it has arrived, emitted by `partialToolCalls()`. */
export interface PartialToolCall {
  /** The call's `index` in its message (0 when the events carry none). */
  index: number;
  /** The call id (`''` until known). */
  id: string;
  /** The function name (`''` until known). */
  name: string;
  /**
   * The arguments parsed so far (see `partialJson()` for what shows while a
   * value arrives); `undefined` until the opening `{`. When `done` and no
   * `error`, exactly the parsed arguments (`{}` for a call without any).
   * When `error` is set, what was parsed before the fault.
   */
  arguments: Record<string, unknown> | undefined;
  /** The JSON text of the arguments so far; when `done`, `'{}'` for a call without arguments (as `toolCalls()` gives it). */
  argumentsText: string;
  /** `true` on the call's `tool-call-end`: nothing more will arrive for it. */
  done: boolean;
  /** Set once the arguments are found not to be a JSON object; stays set on the call's later emissions. */
  error?: CohereToolArgumentsError | undefined;
}

/** What `partialToolCalls()` keeps beside each tracked call. */
interface Parse {
  readonly parser: JsonPrefixParser;
  value: Record<string, unknown> | undefined;
  error: CohereToolArgumentsError | undefined;
}

type OpenCall = TrackedCall<Parse>;

/**
 * Emits each tool call as its arguments arrive, parsed as far as they go.
 *
 * One `PartialToolCall` on each `tool-call-start` and on each
 * `tool-call-delta` that carries text, then one with `done: true` on its
 * `tool-call-end`, carrying exactly the parsed arguments (a call without
 * arguments gives `{}`). `arguments` is built like `partialJson()`'s values:
 * incrementally (linear in the text) and new only along the path that
 * changed. Calls are matched by `index` within a message; a `message-start`
 * starts afresh, so it works over a tool loop's several messages. Arguments
 * that are not a JSON object do not end the stream: the call's emissions
 * from then on carry `error` (a `CohereToolArgumentsError` whose `cause` is
 * the `CohereJsonError` naming where), so the answer and the other calls go
 * on.
 *
 * ```text
 * source: --s--x--y--z--X--m--M--E--|   (y: '{"q":"r', z: 'x"}'; call 1 has no arguments)
 * result: -----A--B--D--F--G--H-----|   partialToolCalls()
 *   (A: {index: 0, arguments: undefined}, B: {q: 'r'}, D: {q: 'rx'}, F: done, {q: 'rx'}; G: call 1, H: done, {})
 * ```
 *
 * ## Example
 * A card per tool call that fills in as the model writes its arguments.
 * ```ts
 * import { chatStream$, partialToolCalls } from 'cohere-rx';
 *
 * chatStream$({ ...request, tools }).pipe(partialToolCalls())
 *   .subscribe((call) => renderCard(call.index, call.name, call.arguments, call.done));
 * ```
 *
 * @see {@link toolCalls} for the complete calls only.
 * @see {@link partialJson}
 * @returns An operator from chat events to partial tool calls.
 */
export function partialToolCalls(): OperatorFunction<ToolLoopEvent, PartialToolCall> {
  return createOperator((subscriber) => {
    const tracker = new ToolCallTracker<Parse>(() => ({ parser: new JsonPrefixParser(), value: undefined, error: undefined }));

    const emit = (call: OpenCall): void => {
      const partial: PartialToolCall = {
        index: call.index,
        id: call.id,
        name: call.name,
        arguments: call.data.value,
        argumentsText: call.arguments,
        done: call.ended,
      };
      if (call.data.error) partial.error = call.data.error;
      subscriber.next(partial);
    };

    const fault = (call: OpenCall, problem: string, cause?: unknown): void => {
      call.data.error = new CohereToolArgumentsError(wireCallOf(call), problem, cause === undefined ? undefined : { cause });
    };

    /** Feeds a piece of argument text; a fault is recorded on the call, never thrown. */
    const feed = (call: OpenCall, piece: string): void => {
      const parse = call.data;
      if (parse.error) return;
      try {
        parse.parser.push(piece);
      } catch (error) {
        if (!isCohereJsonError(error)) throw error;
        fault(call, `not valid JSON (${error.reason} at line ${error.line}, column ${error.column})`, error);
      }
      if (parse.parser.changed) {
        const value = parse.parser.snapshot();
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          if (!parse.error) fault(call, 'not a JSON object');
        } else parse.value = value as Record<string, unknown>;
      }
    };

    const finish = (call: OpenCall): void => {
      const parse = call.data;
      if (parse.error) return;
      if (!parse.parser.started) {
        parse.value = {}; // the no-argument rule: nothing (or only whitespace) means {}
        return;
      }
      try {
        parse.parser.finish();
      } catch (error) {
        if (!isCohereJsonError(error)) throw error;
        fault(call, `not valid JSON (${error.reason} at line ${error.line}, column ${error.column})`, error);
        return;
      }
      const value = parse.parser.snapshot();
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fault(call, 'not a JSON object');
      else parse.value = value as Record<string, unknown>;
    };

    return {
      next: (event) => {
        // The tracker assembles the call (id, name, text, the no-argument rule); this operator parses it.
        const call = tracker.track(event);
        if (!call) return;
        if (call.ended) finish(call);
        else if (tracker.piece !== '') feed(call, tracker.piece);
        emit(call);
      },
    };
  });
}
