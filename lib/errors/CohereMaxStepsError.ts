import type { ChatMessage } from '../types/request';
import { CohereError, hasErrorName } from './CohereError';

/**
 * `runTools$()` reached `maxSteps` while the model still asked for tools. It
 * comes after the last step's `step-end` (whose tools ran), so the answer it
 * cut short never looks finished. `messages` is that step's conversation,
 * tool results included: send it again to let the model go on.
 *
 * ## Example
 * ```ts
 * import { isCohereMaxStepsError } from 'cohere-rx';
 * if (isCohereMaxStepsError(err)) console.error(`gave up after ${err.maxSteps} steps`);
 * ```
 */
export class CohereMaxStepsError extends CohereError {
  override readonly name = 'CohereMaxStepsError' as const;
  /** The `maxSteps` that was reached. */
  readonly maxSteps: number;
  /** The conversation after the last step, ready to be sent again. */
  readonly messages: ChatMessage[];

  constructor(maxSteps: number, messages: ChatMessage[]) {
    super(`The tool loop reached maxSteps (${maxSteps}) while the model still called tools`);
    this.maxSteps = maxSteps;
    this.messages = messages;
  }
}

/**
 * Whether `value` is a {@link CohereMaxStepsError}.
 *
 * ## Example
 * ```ts
 * import { isCohereMaxStepsError } from 'cohere-rx';
 * if (isCohereMaxStepsError(err)) offerToContinue(err.messages);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereMaxStepsError`.
 */
export function isCohereMaxStepsError(value: unknown): value is CohereMaxStepsError {
  return hasErrorName(value, 'CohereMaxStepsError', CohereMaxStepsError);
}
