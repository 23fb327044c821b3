import { CohereToolArgumentsError } from './errors/CohereToolArgumentsError';
import type { ToolCall } from './types/common';

/**
 * Parses a tool call's JSON `arguments` into an object.
 *
 * Empty arguments (a tool without parameters) give `{}`. Anything that is not
 * a JSON object throws a `CohereToolArgumentsError` that names the call; inside
 * `map()` that becomes the stream's error.
 *
 * ```text
 * source: --a--b--|   (a: call with arguments '{"city":"Paris"}', b: '')
 * result: --x--y--|   map(parseToolCallArguments)   (x: { city: 'Paris' }, y: {})
 * ```
 *
 * ## Example
 * Run each tool as soon as its call is complete.
 * ```ts
 * import { chatStream$, parseToolCallArguments, toolCalls } from 'cohere-rx';
 * import { map, mergeMap } from 'rxjs';
 *
 * chatStream$(request).pipe(
 *   toolCalls(),
 *   mergeMap((call) => runTool(call.function.name, parseToolCallArguments(call))),
 * );
 * ```
 *
 * @see {@link toolCalls}
 * @param toolCall A tool call in the wire shape.
 * @returns The arguments as an object.
 */
export function parseToolCallArguments<T extends object = Record<string, unknown>>(toolCall: ToolCall): T {
  const text = toolCall.function.arguments;
  if (text.trim() === '') return {} as T;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CohereToolArgumentsError(toolCall, 'not valid JSON', { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CohereToolArgumentsError(toolCall, 'not a JSON object');
  }
  return value as T;
}
