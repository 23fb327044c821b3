import { CohereError, hasErrorName } from './CohereError';

/**
 * The network failed: the request could not be sent, or the connection broke
 * while the body was being read. `cause` holds the underlying error.
 *
 * ## Example
 * ```ts
 * import { chatStream$, isCohereConnectionError } from 'cohere-rx';
 * chatStream$(request).subscribe({
 *   error: (err) => { if (isCohereConnectionError(err)) showOffline(); },
 * });
 * ```
 */
export class CohereConnectionError extends CohereError {
  override readonly name = 'CohereConnectionError' as const;
  /** `'request'` when no response arrived, `'body'` when the stream broke. */
  readonly phase: 'request' | 'body';

  constructor(phase: 'request' | 'body', detail: string, options?: { cause?: unknown }) {
    super(phase === 'request' ? `Could not reach the Cohere API: ${detail}` : `The connection broke while streaming: ${detail}`, options);
    this.phase = phase;
  }
}

/**
 * Whether `value` is a {@link CohereConnectionError}.
 *
 * ## Example
 * ```ts
 * import { isCohereConnectionError } from 'cohere-rx';
 * if (isCohereConnectionError(err)) console.warn('network trouble:', err.message);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereConnectionError`.
 */
export function isCohereConnectionError(value: unknown): value is CohereConnectionError {
  return hasErrorName(value, 'CohereConnectionError', CohereConnectionError);
}
