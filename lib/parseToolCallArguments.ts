import { CohereToolArgumentsError } from './errors/CohereToolArgumentsError';
import { argumentsOrEmptyObject } from './internal/toolArguments';
import type { ToolCall } from './types/common';

/**
 * Parses a tool call's JSON `arguments` into an object.
 *
 * Absent, empty or blank arguments (a tool without parameters) give `{}`.
 * Arguments that are not a JSON object (invalid JSON, or JSON such as `[1]`,
 * `"x"`, `3`, `null`) throw a `CohereToolArgumentsError` that names the call;
 * a value that is not a tool call at all (no `function` object, `arguments`
 * not a string) throws one too, with `reason: 'not-a-tool-call'`. Inside
 * `map()` that becomes the stream's error.
 *
 * ```text
 * source: --A--B--|   (tool calls A: arguments '{"city":"Paris"}', B: '')
 * result: --D--F--|   map(parseToolCallArguments)   (D: { city: 'Paris' }, F: {})
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
  // The guard is for JavaScript callers and hand-built or deserialised calls:
  // whatever arrives, the failure is a CohereToolArgumentsError, never a TypeError.
  const problem = notACall(toolCall);
  if (problem !== undefined) throw new CohereToolArgumentsError(undefined, problem, { reason: 'not-a-tool-call' });
  const text = argumentsOrEmptyObject(toolCall.function.arguments);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CohereToolArgumentsError(toolCall, 'not valid JSON', { cause, reason: 'invalid-json' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CohereToolArgumentsError(toolCall, 'not a JSON object', { reason: 'not-an-object' });
  }
  return value as T;
}

/** Why `value` is not a tool call, in words; `undefined` when it is one. */
function notACall(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `got ${kindOf(value)}`;
  const { id, function: fn } = value as { id?: unknown; function?: unknown };
  if (fn === null || typeof fn !== 'object' || Array.isArray(fn)) return `its function is ${kindOf(fn)}`;
  const { name, arguments: args } = fn as { name?: unknown; arguments?: unknown };
  if (args !== undefined && typeof args !== 'string') return `its function.arguments is ${kindOf(args)}, not a string`;
  if (name !== undefined && typeof name !== 'string') return `its function.name is ${kindOf(name)}, not a string`;
  if (id !== undefined && typeof id !== 'string') return `its id is ${kindOf(id)}, not a string`;
  return undefined;
}

/** The kind of a value, in words, without quoting it (it may be large or private). */
function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
