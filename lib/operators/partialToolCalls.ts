import type { OperatorFunction } from 'rxjs';
import { CohereToolArgumentsError } from '../errors/CohereToolArgumentsError';
import { isCohereJsonError } from '../errors/CohereJsonError';
import { JsonPrefixParser } from '../internal/jsonPrefixParser';
import type { ToolLoopEvent } from '../types/loop';
import { argumentsOrEmptyObject } from '../internal/toolArguments';
import { createOperator } from './createOperator';

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

interface OpenCall {
  id: string;
  name: string;
  text: string;
  parser: JsonPrefixParser;
  value: Record<string, unknown> | undefined;
  error: CohereToolArgumentsError | undefined;
}

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
    const open = new Map<number, OpenCall>();

    const emit = (index: number, call: OpenCall, done: boolean): void => {
      const partial: PartialToolCall = {
        index,
        id: call.id,
        name: call.name,
        arguments: call.value,
        argumentsText: done ? argumentsOrEmptyObject(call.text) : call.text,
        done,
      };
      if (call.error) partial.error = call.error;
      subscriber.next(partial);
    };

    const fault = (call: OpenCall, problem: string, cause?: unknown): void => {
      const wire = { id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.text } };
      call.error = new CohereToolArgumentsError(wire, problem, cause === undefined ? undefined : { cause });
    };

    /** Feeds a piece of argument text; a fault is recorded on the call, never thrown. */
    const feed = (call: OpenCall, piece: string): void => {
      call.text += piece;
      if (call.error) return;
      try {
        call.parser.push(piece);
      } catch (error) {
        if (!isCohereJsonError(error)) throw error;
        fault(call, `not valid JSON (${error.reason} at line ${error.line}, column ${error.column})`, error);
      }
      if (call.parser.changed) {
        const value = call.parser.snapshot();
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          if (!call.error) fault(call, 'not a JSON object');
        } else call.value = value as Record<string, unknown>;
      }
    };

    const finish = (call: OpenCall): void => {
      if (call.error) return;
      if (!call.parser.started) {
        call.value = {}; // the no-argument rule: nothing (or only whitespace) means {}
        return;
      }
      try {
        call.parser.finish();
      } catch (error) {
        if (!isCohereJsonError(error)) throw error;
        fault(call, `not valid JSON (${error.reason} at line ${error.line}, column ${error.column})`, error);
        return;
      }
      const value = call.parser.snapshot();
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fault(call, 'not a JSON object');
      else call.value = value as Record<string, unknown>;
    };

    return {
      next: (event) => {
        switch (event.type) {
          case 'message-start':
            open.clear();
            break;
          case 'tool-call-start': {
            const wire = event.delta?.message?.tool_calls;
            const index = event.index ?? 0;
            const call: OpenCall = {
              id: wire?.id ?? '',
              name: wire?.function?.name ?? '',
              text: '',
              parser: new JsonPrefixParser(),
              value: undefined,
              error: undefined,
            };
            open.set(index, call);
            const first = wire?.function?.arguments;
            if (typeof first === 'string' && first !== '') feed(call, first);
            emit(index, call, false);
            break;
          }
          case 'tool-call-delta': {
            const piece = event.delta?.message?.tool_calls?.function?.arguments;
            if (typeof piece !== 'string' || piece === '') break;
            const index = event.index ?? 0;
            let call = open.get(index);
            if (!call) {
              // a delta without its start: shown all the same, without id and name
              call = { id: '', name: '', text: '', parser: new JsonPrefixParser(), value: undefined, error: undefined };
              open.set(index, call);
            }
            feed(call, piece);
            emit(index, call, false);
            break;
          }
          case 'tool-call-end': {
            const index = event.index ?? 0;
            const call = open.get(index);
            if (!call) break;
            open.delete(index);
            finish(call);
            emit(index, call, true);
            break;
          }
        }
      },
    };
  });
}
