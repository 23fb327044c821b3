import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ToolCall } from '../types/common';
import { CohereError, hasErrorName } from './CohereError';
import { describeIssues } from './validationIssues';

/**
 * A value the model wrote failed its Standard Schema (zod, valibot, arktype…):
 * a tool call's arguments, checked by the tool's `input` before `execute`
 * runs (then `toolCall` is the call), or a `structured()` answer (then
 * `toolCall` is `undefined`). `issues` are the validator's own, as it gave
 * them (zod's carry `code`, valibot's `kind`, ArkType's `problem`…); the
 * message names each one as `path: message`, one per line:
 *
 * ```text
 * Tool call get_weather_0 (get_weather) has invalid arguments:
 * - city: Invalid input: expected string, received number
 * - days: Too small: expected number to be >=1
 * ```
 *
 * `runTools$()` sends that message back to the model as the call's result
 * (so it can correct itself) and goes on; the `tool-result` event carries the
 * error. Arguments that are not a JSON object at all fail earlier, with
 * `CohereToolArgumentsError`.
 *
 * ## Example
 * ```ts
 * import { isCohereValidationError } from 'cohere-rx';
 * if (isCohereValidationError(err)) for (const issue of err.issues) console.error(issue.path, issue.message);
 * ```
 */
export class CohereValidationError extends CohereError {
  override readonly name = 'CohereValidationError' as const;
  /** Every issue the validator found, as it gave them (at least one). */
  readonly issues: readonly StandardSchemaV1.Issue[];
  /** The value that failed, as parsed from the model's JSON. */
  readonly value: unknown;
  /** The tool call whose arguments failed; `undefined` for a `structured()` answer. */
  readonly toolCall: ToolCall | undefined;

  /**
   * @param issues The validator's issues.
   * @param options `value` (what failed), `toolCall` (for a tool's arguments), `cause`.
   */
  constructor(
    issues: readonly StandardSchemaV1.Issue[],
    options: { value?: unknown; toolCall?: ToolCall | undefined; cause?: unknown } = {},
  ) {
    const call = options.toolCall;
    const what =
      call === undefined
        ? 'The answer does not match its schema'
        : `Tool call ${call.id ?? '?'} (${call.function?.name ?? '?'}) has invalid arguments`;
    super(`${what}:\n${describeIssues(issues)}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.issues = issues;
    this.value = options.value;
    this.toolCall = call;
  }
}

/**
 * Whether `value` is a {@link CohereValidationError}.
 *
 * ## Example
 * ```ts
 * import { isCohereValidationError } from 'cohere-rx';
 * if (isCohereValidationError(err) && err.toolCall) console.warn(`the model sent bad arguments to ${err.toolCall.function.name}`);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereValidationError`.
 */
export function isCohereValidationError(value: unknown): value is CohereValidationError {
  return hasErrorName(value, 'CohereValidationError', CohereValidationError);
}
