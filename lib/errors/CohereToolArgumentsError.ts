import type { ToolCall } from '../types/common';
import { CohereError, hasErrorName } from './CohereError';
import { truncate } from './truncate';

const PROBLEMS: Record<CohereToolArgumentsError['reason'], string> = {
  'invalid-json': 'not valid JSON',
  'not-an-object': 'not a JSON object',
  'not-a-tool-call': 'not a tool call',
};

/**
 * A tool call's `arguments` are not a JSON object, or the value given is not a
 * tool call at all. Raised by `parseToolCallArguments()`; names the tool call
 * and quotes the arguments.
 *
 * `reason` tells the cases apart: `'invalid-json'` (the text does not parse),
 * `'not-an-object'` (it parses to an array, a string, a number, `true` or
 * `null`), `'not-a-tool-call'` (the value has no `function` object, or its
 * `arguments` is neither a string nor absent; `toolCall` is then `undefined`).
 *
 * ## Example
 * ```ts
 * import { isCohereToolArgumentsError } from 'cohere-rx';
 * if (isCohereToolArgumentsError(err)) console.error(err.reason, err.toolCall?.function.name, err.message);
 * ```
 */
export class CohereToolArgumentsError extends CohereError {
  override readonly name = 'CohereToolArgumentsError' as const;
  /** The tool call whose arguments failed to parse; `undefined` when the value was not a tool call. */
  readonly toolCall: ToolCall | undefined;
  /** What was wrong with it. */
  readonly reason: 'invalid-json' | 'not-an-object' | 'not-a-tool-call';

  /**
   * @param toolCall The call, or `undefined` when the value was not one.
   * @param problem What was wrong, in words (the reason's own words when omitted).
   * @param options `cause`, and `reason`. When `reason` is omitted it is
   *   `'not-a-tool-call'` without a call, `'invalid-json'` with a `cause` (the
   *   parser's error), else `'not-an-object'`.
   */
  constructor(
    toolCall: ToolCall | undefined,
    problem?: string,
    options?: { cause?: unknown; reason?: CohereToolArgumentsError['reason'] },
  ) {
    const reason =
      options?.reason ?? (toolCall === undefined ? 'not-a-tool-call' : options?.cause !== undefined ? 'invalid-json' : 'not-an-object');
    const what = problem ?? PROBLEMS[reason];
    super(
      toolCall === undefined
        ? `Not a tool call: ${what}; expected { id, type: 'function', function: { name, arguments } }`
        : `Tool call ${toolCall.id ?? '?'} (${toolCall.function.name ?? '?'}) has invalid arguments: ${what}: ${JSON.stringify(truncate(toolCall.function.arguments ?? ''))}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.toolCall = toolCall;
    this.reason = reason;
  }
}

/**
 * Whether `value` is a {@link CohereToolArgumentsError}.
 *
 * ## Example
 * ```ts
 * import { isCohereToolArgumentsError } from 'cohere-rx';
 * if (isCohereToolArgumentsError(err) && err.toolCall) askModelToRetry(err.toolCall);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereToolArgumentsError`.
 */
export function isCohereToolArgumentsError(value: unknown): value is CohereToolArgumentsError {
  return hasErrorName(value, 'CohereToolArgumentsError', CohereToolArgumentsError);
}
