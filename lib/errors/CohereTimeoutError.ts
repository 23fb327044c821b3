import { CohereError, hasErrorName } from './CohereError';

/**
 * A time limit ran out: `'headers'` when no response headers came within
 * `timeoutMs`, `'idle'` when no bytes came for `idleTimeoutMs` while
 * streaming. The connection is closed when this is raised.
 *
 * ## Example
 * ```ts
 * import { isCohereTimeoutError } from 'cohere-rx';
 * if (isCohereTimeoutError(err) && err.phase === 'idle') console.warn('stream stalled');
 * ```
 */
export class CohereTimeoutError extends CohereError {
  override readonly name = 'CohereTimeoutError' as const;
  /** Which limit ran out. */
  readonly phase: 'headers' | 'idle';
  /** The limit, in milliseconds. */
  readonly timeoutMs: number;

  constructor(phase: 'headers' | 'idle', timeoutMs: number) {
    super(
      phase === 'headers' ? `No response headers from the Cohere API within ${timeoutMs} ms` : `The stream was silent for ${timeoutMs} ms`,
    );
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Whether `value` is a {@link CohereTimeoutError}.
 *
 * ## Example
 * ```ts
 * import { isCohereTimeoutError } from 'cohere-rx';
 * if (isCohereTimeoutError(err)) retryLater();
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereTimeoutError`.
 */
export function isCohereTimeoutError(value: unknown): value is CohereTimeoutError {
  return hasErrorName(value, 'CohereTimeoutError', CohereTimeoutError);
}
