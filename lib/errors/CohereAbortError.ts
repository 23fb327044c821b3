import { CohereError, hasErrorName } from './CohereError';

/**
 * The caller's `signal` aborted the stream. Unsubscribing never raises this
 * (it is silent, as in RxJS); only the outside `AbortSignal` does, so that an
 * aborted answer never looks complete. `cause` is the signal's `reason`.
 *
 * ## Example
 * ```ts
 * import { chatStream$, isCohereAbortError } from 'cohere-rx';
 * const controller = new AbortController();
 * chatStream$(request, { signal: controller.signal }).subscribe({
 *   error: (err) => { if (!isCohereAbortError(err)) showBanner(err); },
 * });
 * ```
 */
export class CohereAbortError extends CohereError {
  override readonly name = 'CohereAbortError' as const;

  constructor(options?: { cause?: unknown }) {
    super('The stream was aborted by the caller', options);
  }
}

/**
 * Whether `value` is a {@link CohereAbortError}.
 *
 * ## Example
 * ```ts
 * import { isCohereAbortError } from 'cohere-rx';
 * if (isCohereAbortError(err)) return; // the user pressed Stop
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereAbortError`.
 */
export function isCohereAbortError(value: unknown): value is CohereAbortError {
  return hasErrorName(value, 'CohereAbortError', CohereAbortError);
}
