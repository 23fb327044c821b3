import type { ToolCall } from '../types/common';
import { CohereError, hasErrorName } from './CohereError';
import { truncate } from './truncate';

/**
 * A tool call's `arguments` are not a JSON object. Raised by
 * `parseToolCallArguments()`; names the tool call and quotes the arguments.
 *
 * ## Example
 * ```ts
 * import { isCohereToolArgumentsError } from 'cohere-rx';
 * if (isCohereToolArgumentsError(err)) console.error(err.toolCall.function.name, err.message);
 * ```
 */
export class CohereToolArgumentsError extends CohereError {
  override readonly name = 'CohereToolArgumentsError' as const;
  /** The tool call whose arguments failed to parse. */
  readonly toolCall: ToolCall;

  constructor(toolCall: ToolCall, problem: string, options?: { cause?: unknown }) {
    const quoted = truncate(toolCall.function.arguments);
    super(
      `Tool call ${toolCall.id} (${toolCall.function.name}) has invalid arguments: ${problem}: ${JSON.stringify(quoted)}`,
      options,
    );
    this.toolCall = toolCall;
  }
}

/**
 * Whether `value` is a {@link CohereToolArgumentsError}.
 *
 * ## Example
 * ```ts
 * import { isCohereToolArgumentsError } from 'cohere-rx';
 * if (isCohereToolArgumentsError(err)) askModelToRetry(err.toolCall);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereToolArgumentsError`.
 */
export function isCohereToolArgumentsError(value: unknown): value is CohereToolArgumentsError {
  return hasErrorName(value, 'CohereToolArgumentsError', CohereToolArgumentsError);
}
