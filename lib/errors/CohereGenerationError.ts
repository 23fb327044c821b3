import type { MessageEndEvent } from '../types/events';
import { CohereError, hasErrorName } from './CohereError';

/**
 * The model failed mid-generation: `message-end` arrived with `finish_reason`
 * `ERROR` or `TIMEOUT`. That `message-end` event is emitted first, then this
 * error carries the server's `delta.error` text.
 *
 * ## Example
 * ```ts
 * import { isCohereGenerationError } from 'cohere-rx';
 * if (isCohereGenerationError(err)) console.error(err.finishReason, err.message);
 * ```
 */
export class CohereGenerationError extends CohereError {
  override readonly name = 'CohereGenerationError' as const;
  /** `'ERROR'` or `'TIMEOUT'`. */
  readonly finishReason: 'ERROR' | 'TIMEOUT';
  /** The server's `delta.error` text, when it sent one. */
  readonly serverError: string | undefined;
  /** The `message-end` event that reported the failure. */
  readonly event: MessageEndEvent;

  constructor(finishReason: 'ERROR' | 'TIMEOUT', serverError: string | undefined, event: MessageEndEvent) {
    super(`Cohere generation ended with ${finishReason}${serverError ? `: ${serverError}` : ''}`);
    this.finishReason = finishReason;
    this.serverError = serverError;
    this.event = event;
  }
}

/**
 * Whether `value` is a {@link CohereGenerationError}.
 *
 * ## Example
 * ```ts
 * import { isCohereGenerationError } from 'cohere-rx';
 * if (isCohereGenerationError(err)) showPartialAnswerWithWarning();
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereGenerationError`.
 */
export function isCohereGenerationError(value: unknown): value is CohereGenerationError {
  return hasErrorName(value, 'CohereGenerationError', CohereGenerationError);
}
