import { CohereError, hasErrorName } from './CohereError';
import { truncate } from './truncate';

/**
 * The API answered with a non-2xx status before streaming began.
 *
 * `status` is the HTTP status, `body` the parsed JSON body (or its text when it
 * is not JSON), complete but for the key: `chatStream$()` masks it after
 * decoding, so a key a server echoed as `\u0073k…` is masked too. The
 * server's `message` (else the body) is quoted in
 * the error message on one line, cut to 200 characters with `…`: a proxy's
 * whole HTML page or a huge message never floods a log.
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

/**
 * The server's words for the error message, cut by `truncate()`: a JSON body's
 * `message` when it is a string; else that `message` as JSON (a number, an
 * object); else the whole JSON body (an array, a number, an object without a
 * message); else the text body. Nothing for an empty body, `null`, `{}` or `[]`.
 */
function describe(body: unknown): string {
  const quoted = quote(body)?.trim();
  // Cut first (a huge body costs nothing more), then keep it on one line.
  return quoted ? `: ${truncate(quoted).replace(/\s+/g, ' ')}` : '';
}

function quote(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (body === null || body === undefined) return undefined;
  const message = typeof body === 'object' && !Array.isArray(body) ? (body as { message?: unknown }).message : undefined;
  if (typeof message === 'string') return message;
  const shown = message ?? body;
  if (typeof shown === 'number' || typeof shown === 'boolean' || typeof shown === 'bigint') return String(shown);
  if (typeof shown !== 'object') return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(shown);
  } catch {
    return undefined; // not JSON (a cycle, a BigInt inside): `body` still has it
  }
  return json === '{}' || json === '[]' ? undefined : json;
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
