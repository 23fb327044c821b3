import { CohereError, hasErrorName } from './CohereError';

/**
 * The body ended before `message-end`: the answer is truncated. Every event
 * that arrived was emitted first; this error makes sure the partial answer
 * never looks finished. Also the error of a relay's generation that could not
 * be resumed (unknown or expired, or `maxRetries` resumes in a row failed):
 * `cause` then holds the last failure.
 *
 * ## Example
 * ```ts
 * import { isCohereIncompleteStreamError } from 'cohere-rx';
 * if (isCohereIncompleteStreamError(err)) markAnswerAsCut(err.eventCount);
 * ```
 */
export class CohereIncompleteStreamError extends CohereError {
  override readonly name = 'CohereIncompleteStreamError' as const;
  /** How many events were emitted before the body ended. */
  readonly eventCount: number;

  constructor(eventCount: number, options?: { cause?: unknown }) {
    super(`The stream ended before message-end after ${eventCount} event(s): the answer is incomplete`, options);
    this.eventCount = eventCount;
  }
}

/**
 * Whether `value` is a {@link CohereIncompleteStreamError}.
 *
 * ## Example
 * ```ts
 * import { isCohereIncompleteStreamError } from 'cohere-rx';
 * if (isCohereIncompleteStreamError(err)) offerRetry();
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereIncompleteStreamError`.
 */
export function isCohereIncompleteStreamError(value: unknown): value is CohereIncompleteStreamError {
  return hasErrorName(value, 'CohereIncompleteStreamError', CohereIncompleteStreamError);
}
