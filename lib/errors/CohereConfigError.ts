import { CohereError, hasErrorName } from './CohereError';

/**
 * An option (or the request) can never work: a `baseUrl` that is not an
 * absolute http(s) URL, a key or header that no HTTP header can carry, a
 * `maxRetries` that is not a whole number, no API key at all, and so on.
 *
 * Raised when you subscribe, before any request is made, and never retried.
 * `option` names the culprit (`'baseUrl'`, `'apiKey'`, `'headers.x-team'`, …);
 * the message says what is wrong with it and quotes the bad value, except
 * for keys and header values, which are never quoted. When an `apiKey`
 * function throws or rejects, `option` is `'apiKey'` and `cause` a safe copy
 * of what it threw (name and message, scrubbed of the keys known).
 *
 * ## Example
 * Point a misconfigured deployment at the option to fix.
 * ```ts
 * import { chatStream$, isCohereConfigError } from 'cohere-rx';
 *
 * chatStream$(request, { baseUrl: 'api.cohere.com' }).subscribe({
 *   error: (err) => { if (isCohereConfigError(err)) console.error(`fix options.${err.option}: ${err.message}`); },
 * });
 * ```
 */
export class CohereConfigError extends CohereError {
  override readonly name = 'CohereConfigError' as const;
  /** The option at fault, as a path: `'baseUrl'`, `'headers.authorization'`, `'request'`. */
  readonly option: string;

  constructor(option: string, problem: string, options?: { cause?: unknown }) {
    super(`Invalid cohere-rx option ${option}: ${problem}`, options);
    this.option = option;
  }
}

/**
 * Whether `value` is a {@link CohereConfigError}.
 *
 * ## Example
 * ```ts
 * import { isCohereConfigError } from 'cohere-rx';
 * if (isCohereConfigError(err)) console.error(err.option, err.message);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereConfigError`.
 */
export function isCohereConfigError(value: unknown): value is CohereConfigError {
  return hasErrorName(value, 'CohereConfigError', CohereConfigError);
}
