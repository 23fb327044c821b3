import type { OperatorFunction } from 'rxjs';
import type { ToolCall } from '../types/common';
import type { ToolLoopEvent } from '../types/loop';
import { argumentsOrEmptyObject } from '../internal/toolArguments';
import { createOperator } from './createOperator';

/**
 * Emits each tool call, complete, when its `tool-call-end` arrives.
 *
 * The call is in the wire shape `{ id, type: 'function', function: { name,
 * arguments } }`, its `arguments` the joined JSON string. A tool without
 * parameters streams no arguments: they become `'{}'`. Calls are matched by
 * `index` (0 when absent). Parse arguments with `parseToolCallArguments()`.
 *
 * ```text
 * source: --s--p--x--y--z--X--m--M--E--|
 * result: -----------------A-----B-----|   toolCalls()   (A: call 0, arguments y + z; B: call 1, '{}')
 * ```
 *
 * ## Example
 * Collect the calls of a tool-use turn.
 * ```ts
 * import { chatStream$, toolCalls } from 'cohere-rx';
 * import { toArray } from 'rxjs';
 *
 * chatStream$({ ...request, tools }).pipe(toolCalls(), toArray())
 *   .subscribe((calls) => console.log(calls.map((c) => c.function.name)));
 * ```
 *
 * @see {@link parseToolCallArguments}
 * @returns An operator from chat events to complete `ToolCall`s.
 */
export function toolCalls(): OperatorFunction<ToolLoopEvent, ToolCall> {
  return createOperator((subscriber) => {
    // Calls in progress by index, their argument pieces kept in an array and
    // joined once at the end.
    const open = new Map<number, { id: string; name: string; pieces: string[] }>();
    return {
      next: (event) => {
        switch (event.type) {
          case 'message-start':
            // A new message (the next step of a tool loop): a call left open by the last one is gone.
            open.clear();
            break;
          case 'tool-call-start': {
            const call = event.delta?.message?.tool_calls;
            const first = call?.function?.arguments;
            open.set(event.index ?? 0, {
              id: call?.id ?? '',
              name: call?.function?.name ?? '',
              pieces: typeof first === 'string' && first !== '' ? [first] : [],
            });
            break;
          }
          case 'tool-call-delta': {
            const piece = event.delta?.message?.tool_calls?.function?.arguments;
            if (typeof piece !== 'string' || piece === '') break;
            const index = event.index ?? 0;
            const call = open.get(index);
            if (call) call.pieces.push(piece);
            else open.set(index, { id: '', name: '', pieces: [piece] });
            break;
          }
          case 'tool-call-end': {
            const index = event.index ?? 0;
            const call = open.get(index);
            if (!call) break;
            open.delete(index);
            subscriber.next({
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: argumentsOrEmptyObject(call.pieces.join('')) },
            });
            break;
          }
        }
      },
    };
  });
}
