import { CohereError, hasErrorName } from './CohereError';
import { truncate } from './truncate';

/**
 * The stream carried data that is not a chat event: a `data:` field that is
 * not JSON, JSON that is not an object, or an event larger than the limit.
 * `data` quotes the offending text, truncated. Events before it were emitted.
 *
 * ## Example
 * ```ts
 * import { isCohereParseError } from 'cohere-rx';
 * if (isCohereParseError(err)) console.error(err.reason, err.data);
 * ```
 */
export class CohereParseError extends CohereError {
  override readonly name = 'CohereParseError' as const;
  /** What was wrong with the data. */
  readonly reason: 'invalid-json' | 'not-an-object' | 'too-large';
  /** The offending data, at most 200 characters (truncation is marked with `…`). */
  readonly data: string;

  /**
   * @param reason What was wrong.
   * @param data The offending data (already scrubbed by the caller).
   * @param options `detail`: where it broke, in the library's own words. Foreign
   *   errors are deliberately not kept as `cause`: V8's JSON errors quote the data.
   */
  constructor(reason: CohereParseError['reason'], data: string, options?: { detail?: string | undefined }) {
    const quoted = truncate(data);
    const detail = options?.detail ? `: ${options.detail}` : '';
    super(`Malformed stream data (${reason}${detail}): ${JSON.stringify(quoted)}`);
    this.reason = reason;
    this.data = quoted;
  }
}

/**
 * Whether `value` is a {@link CohereParseError}.
 *
 * ## Example
 * ```ts
 * import { isCohereParseError } from 'cohere-rx';
 * if (isCohereParseError(err)) report(err.data);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereParseError`.
 */
export function isCohereParseError(value: unknown): value is CohereParseError {
  return hasErrorName(value, 'CohereParseError', CohereParseError);
}
