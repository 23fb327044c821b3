import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
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
 * (`description`, and the arguments' JSON Schema: `parameters`, or the one
 * `input` gives), what checks the arguments (`input`) and what runs
 * (`execute`).
 *
 * `execute` returns the output as a value, a Promise, or an Observable (its
 * last value counts; it is unsubscribed if the loop is cancelled). Throwing or
 * erroring sends the error's message back to the model as the result.
 */
// `any` by default: an untyped tool takes whatever the model sends; defineTool() narrows it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ToolDefinition<Args = any, Output = unknown> {
  /** Tells the model what the tool does and when to use it. */
  description?: string | undefined;
  /**
   * The JSON Schema of the arguments object, as sent to Cohere. Given with
   * `input`, this is what is sent (and `input` validates). Typed `object` so
   * that JSON Schema interfaces (`JSONSchema7`, valibot's `toJsonSchema()`)
   * fit as they are.
   * @default the JSON Schema of `input` (draft-07), else `{ type: 'object', properties: {} }`
   */
  parameters?: object | undefined;
  /**
   * A Standard Schema validator of the arguments (zod, valibot, arktype…):
   * the arguments are validated before `execute` runs, which gets its output
   * (defaults and transforms applied). Invalid arguments go back to the model
   * as an error result naming each issue. Without `parameters`, its JSON
   * Schema is what the model is told.
   */
  input?: StandardSchemaV1<unknown, Args> | undefined;
  /**
   * Whether a call needs a person's yes before `execute` runs: `true`, or a
   * function of the (validated) arguments returning a boolean, or an
   * Observable or Promise of one (its first value counts; none, or an error,
   * counts as "needs approval"). With `runTools$`'s `approve`, the loop asks
   * it and waits; without, the loop pauses (docs/tools.md, "Approval").
   * @default false
   */
  needsApproval?: boolean | ((args: Args, context: ToolContext) => boolean | ObservableInput<boolean>) | undefined;
  /** Runs one call: `args` is the parsed arguments object (`input`'s output when there is one). */
  execute(args: Args, context: ToolContext): ObservableInput<Output> | Output;
}

/**
 * A tool defined by a Standard Schema: what `defineTool({ input, execute })`
 * takes. `execute` gets `input`'s output type. `parameters` may be left out
 * when `input` can describe itself as JSON Schema (Standard JSON Schema: zod ≥
 * 4.2, arktype ≥ 2.1.28, valibot through `toStandardJsonSchema()`); with any
 * other Standard Schema, write `parameters` by hand.
 */
export type SchemaToolDefinition<Schema extends StandardSchemaV1, Output = unknown> = {
  /** Tells the model what the tool does and when to use it. */
  description?: string | undefined;
  /** Validates the arguments before `execute` runs; its JSON Schema is sent unless `parameters` is given. */
  input: Schema;
  /**
   * Whether a call needs a person's yes before `execute` runs: `true`, or a
   * function of the (validated) arguments returning a boolean, or an
   * Observable or Promise of one (its first value counts; none, or an error,
   * counts as "needs approval"). With `runTools$`'s `approve`, the loop asks
   * it and waits; without, the loop pauses (docs/tools.md, "Approval").
   * @default false
   */
  needsApproval?:
    boolean | ((args: StandardSchemaV1.InferOutput<Schema>, context: ToolContext) => boolean | ObservableInput<boolean>) | undefined;
  /** Runs one call with the validated arguments: `input`'s output. */
  execute: (args: StandardSchemaV1.InferOutput<Schema>, context: ToolContext) => ObservableInput<Output> | Output;
} & (Schema extends StandardJSONSchemaV1
  ? {
      /** The JSON Schema sent instead of `input`'s own. */
      parameters?: object | undefined;
    }
  : {
      /** The JSON Schema sent to Cohere (required: this `input` cannot describe itself as JSON Schema). */
      parameters: object;
    });

/**
 * Defines a tool, typed: from a Standard Schema (`input`: zod, valibot,
 * arktype…), which tells the model the arguments' JSON Schema, validates them
 * before `execute` runs and types them, with no generic to write; or, as
 * before, from a hand-written JSON Schema (`parameters`) and the arguments'
 * type as a generic, unchecked at run time.
 *
 * With `input`, `execute` gets the schema's **output** (defaults filled in,
 * transforms applied). Arguments that fail go back to the model as an error
 * result naming each issue (`path: message`), without running `execute`, and
 * the loop goes on; the `tool-result` event carries a `CohereValidationError`.
 * Validators may be async.
 *
 * ```text
 * calls:   --A--B--|       (A: get_weather {"city":"Paris"}, B: {"city":42})
 * execute: --D-----|       (D: execute({ city: 'Paris', days: 3 }): days defaulted by the schema)
 * results: --D--V--|       (V: a CohereValidationError result: "city: expected string, received number")
 * ```
 *
 * ## Example
 * A tool from a zod schema: the model is told its JSON Schema, `execute` gets `{ city: string; days: number }`.
 * ```ts
 * import { defineTool, runTools$ } from 'cohere-rx';
 * import { z } from 'zod';
 *
 * const get_weather = defineTool({
 *   description: 'The weather forecast for a city',
 *   input: z.object({ city: z.string().describe('The city'), days: z.number().int().min(1).max(7).default(3) }),
 *   execute: async ({ city, days }, { signal }) =>
 *     (await fetch(`/forecast?city=${encodeURIComponent(city)}&days=${days}`, { signal })).json(),
 * });
 * runTools$(request, { tools: { get_weather } }).subscribe();
 * ```
 *
 * @see {@link runTools$}
 * @see {@link CohereValidationError}
 * @param definition `description`, `input` (a Standard Schema), `parameters` (optional with a Standard JSON Schema) and `execute`.
 * @returns The definition, typed for `runTools$()`.
 */
export function defineTool<Schema extends StandardSchemaV1, Output = unknown>(
  definition: SchemaToolDefinition<Schema, Output>,
): ToolDefinition<StandardSchemaV1.InferOutput<Schema>, Output>;
/**
 * Types a tool definition written with a JSON Schema, so that `execute` gets
 * its arguments typed with no cast. The arguments are whatever the model
 * sent, parsed: `parameters` tells the model their shape, nothing checks it
 * (give `input` for that).
 *
 * ```text
 * calls:   --A--B--|       (A: get_weather {"city":"Paris"}, B: {"city":"Tokyo"})
 * execute: --D--F--|       (D: execute({ city: 'Paris' }), F: execute({ city: 'Tokyo' }))
 * ```
 *
 * ## Example
 * A tool typed by a generic, its JSON Schema written by hand.
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
 * @param definition `description`, `parameters` (JSON Schema) and `execute`.
 * @returns The same definition, typed.
 */
export function defineTool<Args extends object = Record<string, unknown>, Output = unknown>(
  definition: ToolDefinition<Args, Output> & { input?: undefined },
): ToolDefinition<Args, Output>;
export function defineTool(definition: ToolDefinition<unknown>): ToolDefinition<unknown> {
  return definition;
}
