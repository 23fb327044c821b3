import type { OperatorFunction } from 'rxjs';
import type { ToolCall } from '../types/common';
import type { ToolLoopEvent } from '../types/loop';
import { createOperator } from './createOperator';
import { ToolCallTracker, wireCallOf } from './toolCallTracker';

/**
 * Emits each tool call, complete, when its `tool-call-end` arrives.
 *
 * The call is in the wire shape `{ id, type: 'function', function: { name,
 * arguments } }`, its `arguments` the joined JSON string. A tool without
 * parameters streams no arguments: they become `'{}'`. Calls are matched by
 * `index` (0 when absent) within a message, as `accumulateMessage()` and
 * `partialToolCalls()` match them. Parse arguments with `parseToolCallArguments()`.
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
    const tracker = new ToolCallTracker(() => undefined);
    return {
      next: (event) => {
        const call = tracker.track(event);
        if (call?.ended) subscriber.next(wireCallOf(call));
      },
    };
  });
}
