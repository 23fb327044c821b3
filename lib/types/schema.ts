import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';

// Standard Schema (https://standardschema.dev) is a type-only spec: zod,
// valibot and arktype each put a `~standard` property on their schemas with
// `validate()` (Standard Schema) and, for Standard JSON Schema, `jsonSchema`.
// cohere-rx reads those properties and never imports a schema library: these
// are types only (`@standard-schema/spec` is a dependency for its types, so
// that an app's `tsc` resolves the published declarations).

/**
 * A Standard Schema validator that can also describe its input as JSON Schema
 * (Standard JSON Schema): what `defineTool({ input })` and `responseFormat()`
 * take. zod ≥ 4.2 and arktype ≥ 2.1.28 schemas are; a valibot schema becomes
 * one through `toStandardJsonSchema()` of `@valibot/to-json-schema`.
 *
 * ## Example
 * A hand-written one, for a package that must not depend on a schema library.
 * ```ts
 * import type { StandardSchemaWithJsonSchema } from 'cohere-rx';
 *
 * const city: StandardSchemaWithJsonSchema<{ city: string }> = {
 *   '~standard': {
 *     version: 1,
 *     vendor: 'my-app',
 *     validate: (value) =>
 *       typeof (value as { city?: unknown }).city === 'string'
 *         ? { value: value as { city: string } }
 *         : { issues: [{ message: 'expected a string', path: ['city'] }] },
 *     jsonSchema: {
 *       input: () => ({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
 *       output: () => ({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
 *     },
 *   },
 * };
 * ```
 */
export interface StandardSchemaWithJsonSchema<Input = unknown, Output = Input> {
  /** The Standard Schema and Standard JSON Schema properties. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output> & StandardJSONSchemaV1.Props<Input, Output>;
}

/**
 * What a JSON value of type `T` can look like while it is still arriving, as
 * `partialJson()` and `structured()` show it: every object member optional
 * (at any depth), arrays with the items so far (each itself partial), and a
 * string possibly cut short, so a string literal type (`'celsius' |
 * 'fahrenheit'`) may also be any prefix of one (`'cel'`): it is kept for
 * autocompletion and widened with `string & {}`. Numbers, booleans and `null`
 * only show once complete, so they keep their type.
 *
 * ## Example
 * ```ts
 * import type { DeepPartial } from 'cohere-rx';
 *
 * type Form = { name: string; unit: 'c' | 'f'; tags: string[] };
 * const soFar: DeepPartial<Form> = { name: 'An', tags: ['wea'] };
 * ```
 */
export type DeepPartial<T> = T extends string
  ? string extends T
    ? string
    : T | (string & {})
  : T extends number | boolean | bigint | symbol | null | undefined
    ? T
    : T extends (...args: never[]) => unknown
      ? T
      : T extends readonly (infer Item)[]
        ? T extends unknown[]
          ? DeepPartial<Item>[]
          : readonly DeepPartial<Item>[]
        : { [K in keyof T]?: DeepPartial<T[K]> };
