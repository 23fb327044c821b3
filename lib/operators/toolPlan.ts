import type { OperatorFunction } from 'rxjs';
import type { ToolLoopEvent } from '../types/loop';
import { pieces } from './pieces';

/**
 * Emits each piece of the model's tool plan as a `string`.
 *
 * Before calling tools, the model says what it intends to do, in
 * `tool-plan-delta` events. Empty pieces are skipped.
 *
 * ```text
 * source: --s--p--q--x--X--E--|   (p, q: tool plan 'I will', ' search')
 * result: -----A--B-----------|   toolPlan()   (A: 'I will', B: ' search')
 * ```
 *
 * ## Example
 * Show "what the assistant is doing" while tools run.
 * ```ts
 * import { chatStream$, toolPlan } from 'cohere-rx';
 *
 * chatStream$(request).pipe(toolPlan()).subscribe((piece) => status.append(piece));
 * ```
 *
 * @see {@link toolCalls} for the calls themselves.
 * @returns An operator from chat events to tool-plan pieces.
 */
export function toolPlan(): OperatorFunction<ToolLoopEvent, string> {
  return pieces((event) => (event.type === 'tool-plan-delta' ? event.delta?.message?.tool_plan : undefined));
}
