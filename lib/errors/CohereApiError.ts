import { CohereError, hasErrorName } from './CohereError';
import { truncate } from './truncate';

/**
 * The API answered with a non-2xx status before streaming began.
 *
 * `status` is the HTTP status, `body` the parsed JSON body (or its text when it
 * is not JSON), and the server's `message` is quoted in the error message.
 * `retryAfterMs` is set when the server sent `Retry-After`.
 *
 * ## Example
 * ```ts
 * import { chatStream$, isCohereApiError } from 'cohere-rx';
 * chatStream$(request).subscribe({
 *   error: (err) => { if (isCohereApiError(err) && err.status === 401) askForKey(); },
 * });
 * ```
 */
export class CohereApiError extends CohereError {
  override readonly name = 'CohereApiError' as const;
  /** The HTTP status code. */
  readonly status: number;
  /** The response body: parsed JSON when it is JSON, else its text. */
  readonly body: unknown;
  /** Milliseconds the server asked to wait (`Retry-After`), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, body: unknown, retryAfterMs?: number) {
    super(`Cohere API request failed with status ${status}${describe(body)}`);
    this.status = status;
    this.body = body;
    this.retryAfterMs = retryAfterMs;
  }
}

function describe(body: unknown): string {
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return `: ${(body as { message: string }).message}`;
  }
  if (typeof body === 'string' && body.trim() !== '') {
    return `: ${truncate(body.trim())}`;
  }
  return '';
}

/**
 * Whether `value` is a {@link CohereApiError}.
 *
 * ## Example
 * ```ts
 * import { isCohereApiError } from 'cohere-rx';
 * if (isCohereApiError(err) && err.status === 429) slowDown(err.retryAfterMs);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereApiError`.
 */
export function isCohereApiError(value: unknown): value is CohereApiError {
  return hasErrorName(value, 'CohereApiError', CohereApiError);
}
