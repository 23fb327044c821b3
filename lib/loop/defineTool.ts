import type { ObservableInput } from 'rxjs';
import type { ToolCall } from '../types/common';

/** What `runTools$()` gives a tool's `execute` besides its arguments. */
export interface ToolContext {
  /** The tool call being run, in the wire shape (`id`, `function.name`, `function.arguments`). */
  readonly call: ToolCall;
  /** The step of the loop (1 for the first model turn). */
  readonly step: number;
  /** Aborted when the loop is cancelled while this call runs: pass it to `fetch` and friends. */
  readonly signal: AbortSignal;
}

/**
 * A tool the model may call in `runTools$()`: what the model is told
 * (`description`, `parameters`) and what runs (`execute`).
 *
 * `execute` returns the output as a value, a Promise, or an Observable (its
 * last value counts; it is unsubscribed if the loop is cancelled). Throwing or
 * erroring sends the error's message back to the model as the result.
 */
// `any` by default: an untyped tool takes whatever the model sends; defineTool<Args>() narrows it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ToolDefinition<Args = any, Output = unknown> {
  /** Tells the model what the tool does and when to use it. */
  description?: string | undefined;
  /** The JSON Schema of the arguments object. */
  parameters?: Record<string, unknown> | undefined;
  /** Runs one call: `args` is the parsed arguments object. */
  execute(args: Args, context: ToolContext): ObservableInput<Output> | Output;
}

/**
 * Types a tool definition, so that `execute` gets its arguments typed with no cast.
 *
 * It returns the definition as it is; it only gives TypeScript the `Args`
 * (and `Output`) to check `execute` against. The arguments are whatever the
 * model sent, parsed: `parameters` tells the model their shape, nothing checks it.
 *
 * ```text
 * calls:   --A--B--|       (A: get_weather {"city":"Paris"}, B: {"city":"Tokyo"})
 * execute: --D--F--|       (D: execute({ city: 'Paris' }), F: execute({ city: 'Tokyo' }))
 * ```
 *
 * ## Example
 * A typed tool that fetches, cancellable through `signal`.
 * ```ts
 * import { defineTool, runTools$ } from 'cohere-rx';
 *
 * const getWeather = defineTool<{ city: string }, { tempC: number }>({
 *   description: 'Current weather in a city',
 *   parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
 *   execute: async ({ city }, { signal }) => (await fetch(`/weather?city=${encodeURIComponent(city)}`, { signal })).json(),
 * });
 * runTools$(request, { tools: { get_weather: getWeather } }).subscribe();
 * ```
 *
 * @see {@link runTools$}
 * @param definition `description`, `parameters` (JSON Schema) and `execute`.
 * @returns The same definition, typed.
 */
export function defineTool<Args extends object = Record<string, unknown>, Output = unknown>(
  definition: ToolDefinition<Args, Output>,
): ToolDefinition<Args, Output> {
  return definition;
}
