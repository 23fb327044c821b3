import type { StandardJSONSchemaV1 } from '@standard-schema/spec';
import { CohereConfigError } from './errors/CohereConfigError';
import { isStandardTyped, jsonSchemaOf } from './internal/standardSchema';

/**
 * The request's `response_format` for a JSON answer shaped by a schema:
 * `{ type: 'json_object', json_schema }`, the JSON Schema being the schema's
 * **input** side (what the model writes), draft-07, as its library writes it.
 *
 * Any Standard JSON Schema works: zod ≥ 4.2, arktype ≥ 2.1.28, valibot through
 * `toStandardJsonSchema()` of `@valibot/to-json-schema`. A schema its library
 * cannot write as JSON Schema (a zod transform, a valibot `check`) throws a
 * `CohereConfigError` (`option: 'response_format'`) at once; then write the
 * JSON Schema by hand (`{ type: 'json_object', json_schema: { … } }`) and keep
 * the schema for `structured()`, which only validates.
 *
 * ```text
 * responseFormat(z.object({ city: z.string() }))
 *   → { type: 'json_object', json_schema: { $schema: '…draft-07…', type: 'object', properties: { city: { type: 'string' } }, required: ['city'], … } }
 * ```
 *
 * ## Example
 * Ask for a typed answer and read it with `structured()`.
 * ```ts
 * import { chatStream$, responseFormat, structured } from 'cohere-rx';
 * import { z } from 'zod';
 *
 * const Person = z.object({ name: z.string(), age: z.number().int() });
 * chatStream$({ ...request, response_format: responseFormat(Person) }).pipe(structured(Person)).subscribe(console.log);
 * ```
 *
 * @see {@link structured}
 * @param schema A Standard JSON Schema (zod, arktype, valibot's `toStandardJsonSchema()`…).
 * @returns The `response_format` of the request.
 */
export function responseFormat(schema: StandardJSONSchemaV1): { type: 'json_object'; json_schema: Record<string, unknown> } {
  if (!isStandardTyped(schema)) {
    throw new CohereConfigError('response_format', 'responseFormat() expected a schema with Standard JSON Schema (~standard.jsonSchema)');
  }
  return { type: 'json_object', json_schema: jsonSchemaOf(schema, 'response_format') };
}
