import type { ToolResultEvent } from '../types/loop';

/**
 * Narrows a `runTools$()` event to a `tool-result`.
 *
 * A tool call finished: `event.call` is the call, and `'error' in event`
 * tells a failure (`event.error`) from an output (`event.output`).
 *
 * ```text
 * source: --x--X--m--M--E--f--g--1--|   (f, g: tool-result of calls 0 and 1; 1: step-end)
 * result: -----------------f--g-----|   filter(isToolResultEvent)
 * ```
 *
 * ## Example
 * Show each tool's outcome as it finishes.
 * ```ts
 * import { isToolResultEvent, runTools$ } from 'cohere-rx';
 * import { filter } from 'rxjs';
 *
 * runTools$(request, { tools }).pipe(filter(isToolResultEvent)).subscribe((r) =>
 *   console.log(r.call.function.name, 'error' in r ? `failed: ${String(r.error)}` : 'done'),
 * );
 * ```
 *
 * @see {@link runTools$}
 * @param event Any value, usually an event of `runTools$()`.
 * @returns Whether it is a `tool-result` event.
 */
export function isToolResultEvent(event: unknown): event is ToolResultEvent {
  return event !== null && typeof event === 'object' && (event as { type?: unknown }).type === 'tool-result';
}
