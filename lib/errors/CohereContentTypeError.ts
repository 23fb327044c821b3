import { CohereError, hasErrorName } from './CohereError';
import { truncate } from './truncate';

/**
 * A 2xx response that is not `text/event-stream`: usually a proxy, a captive
 * portal or a wrong `baseUrl` answering with HTML or JSON.
 *
 * ## Example
 * ```ts
 * import { isCohereContentTypeError } from 'cohere-rx';
 * if (isCohereContentTypeError(err)) console.error('not an SSE endpoint:', err.contentType);
 * ```
 */
export class CohereContentTypeError extends CohereError {
  override readonly name = 'CohereContentTypeError' as const;
  /** The HTTP status (2xx). */
  readonly status: number;
  /** The `Content-Type` the server sent, or `''` when it sent none. */
  readonly contentType: string;
  /** The start of the body, at most 200 characters. */
  readonly bodySnippet: string;

  constructor(status: number, contentType: string, body: string) {
    const bodySnippet = truncate(body.trim());
    super(
      `Expected a text/event-stream response but got ${contentType || 'no content type'} ` +
        `(status ${status})${bodySnippet ? `: ${bodySnippet}` : ''}`,
    );
    this.status = status;
    this.contentType = contentType;
    this.bodySnippet = bodySnippet;
  }
}

/**
 * Whether `value` is a {@link CohereContentTypeError}.
 *
 * ## Example
 * ```ts
 * import { isCohereContentTypeError } from 'cohere-rx';
 * if (isCohereContentTypeError(err)) checkBaseUrl();
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereContentTypeError`.
 */
export function isCohereContentTypeError(value: unknown): value is CohereContentTypeError {
  return hasErrorName(value, 'CohereContentTypeError', CohereContentTypeError);
}
