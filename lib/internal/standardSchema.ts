import type { StandardSchemaV1, StandardTypedV1 } from '@standard-schema/spec';
import { Observable } from 'rxjs';
import { CohereConfigError } from '../errors/CohereConfigError';
import { CohereValidationError } from '../errors/CohereValidationError';
import type { ToolCall } from '../types/common';
import { truncate } from '../errors/truncate';

// Reading a Standard Schema (internal): cohere-rx calls the `~standard`
// properties a schema library puts on its schemas, never the library itself.

/** The JSON Schema target cohere-rx asks for: draft-07, which every Standard JSON Schema library supports. */
const TARGET = { target: 'draft-07' } as const;

/**
 * Whether `value` has Standard properties: an object, or a function (ArkType's
 * types are functions), with a `~standard` object.
 */
export function isStandardTyped(value: unknown): value is StandardTypedV1 {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return props !== null && typeof props === 'object';
}

/** Whether `value` is a Standard Schema: Standard properties with a `validate` function. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return isStandardTyped(value) && typeof (value['~standard'] as { validate?: unknown }).validate === 'function';
}

/** The schema library's name, for messages (`'zod'`, `'valibot'`, `'arktype'`…). */
function vendorOf(schema: StandardTypedV1): string {
  const vendor = schema['~standard'].vendor;
  return typeof vendor === 'string' && vendor !== '' ? vendor : 'Standard Schema';
}

/**
 * The JSON Schema of what the schema accepts (its **input** side: what the
 * model writes), as its library writes it for draft-07. A schema without
 * Standard JSON Schema, or one its library cannot write (a transform in zod, a
 * `check` in valibot), is a `CohereConfigError` naming `option` and the
 * library, with what to do instead.
 */
export function jsonSchemaOf(schema: StandardTypedV1, option: string): Record<string, unknown> {
  const vendor = vendorOf(schema);
  const converter = (schema['~standard'] as { jsonSchema?: { input?: unknown } }).jsonSchema;
  let json: unknown;
  let problem: string | undefined;
  if (typeof converter?.input !== 'function') {
    const hint = vendor === 'valibot' ? ": wrap it in toStandardJsonSchema() from '@valibot/to-json-schema'" : '';
    problem = `has no JSON Schema (~standard.jsonSchema, Standard JSON Schema)${hint}`;
  } else {
    try {
      json = (converter.input as (options: typeof TARGET) => unknown).call(converter, TARGET);
      if (json === null || typeof json !== 'object' || Array.isArray(json)) problem = 'gave a JSON Schema that is not an object';
    } catch (error) {
      problem = `cannot be written as JSON Schema (draft-07): ${truncate(error instanceof Error ? error.message : String(error))}`;
    }
  }
  if (problem !== undefined) throw new CohereConfigError(option, `the ${vendor} schema ${problem}; or write the JSON Schema by hand`);
  return json as Record<string, unknown>;
}

/**
 * The output of a validation result: the schema's output value, or a throw of
 * a `CohereValidationError` naming each issue. Failure is `issues` being
 * present, not `value` missing: valibot's failures carry a `value` too.
 */
export function outputOf(result: StandardSchemaV1.Result<unknown>, value: unknown, toolCall?: ToolCall): unknown {
  if (result.issues) throw new CohereValidationError(result.issues, { value, toolCall });
  return result.value;
}

/**
 * `value`, validated: an Observable of the schema's output (defaults and
 * transforms applied), or of a `CohereValidationError` naming each issue.
 * Synchronous when the validator is; a validator that returns a Promise is
 * waited for (its result ignored once unsubscribed). A validator that throws
 * errors the Observable with what it threw.
 */
export function validated(schema: StandardSchemaV1, value: unknown, toolCall?: ToolCall): Observable<unknown> {
  return new Observable((subscriber) => {
    const settle = (result: StandardSchemaV1.Result<unknown>): void => {
      let output: unknown;
      try {
        output = outputOf(result, value, toolCall);
      } catch (error) {
        subscriber.error(error);
        return;
      }
      subscriber.next(output);
      subscriber.complete();
    };
    const result = schema['~standard'].validate(value); // a throw errors the Observable
    if (isThenable(result)) result.then(settle, (error: unknown) => subscriber.error(error));
    else settle(result);
  });
}

/** Whether a validator's result is a Promise (any thenable). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
