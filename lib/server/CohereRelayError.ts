import { CohereError } from 'cohere-rx';

/**
 * A refusal from your relay's `prepare` hook: throw it to answer the browser
 * with `status` and a Cohere-shaped JSON body `{ "message": … }`, so the
 * browser's `chatStream$()` raises a `CohereApiError` with that status and
 * message, as if Cohere itself had refused. `headers` go out with it
 * (`Retry-After` for a rate limit, `WWW-Authenticate` for a login).
 *
 * ## Example
 * Refuse a model the app does not allow.
 * ```ts
 * import { CohereRelayError, createChatHandler } from 'cohere-rx/server';
 *
 * const handler = createChatHandler({
 *   prepare: (body) => {
 *     if (body.model !== 'command-a-03-2025') throw new CohereRelayError(400, `model ${body.model} is not allowed`);
 *     return body;
 *   },
 * });
 * ```
 */
export class CohereRelayError extends CohereError {
  override readonly name = 'CohereRelayError' as const;
  /** The HTTP status to answer with (400–599; anything else is sent as 500). */
  readonly status: number;
  /** Extra response headers. */
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, options?: { headers?: Record<string, string> | undefined; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.headers = { ...options?.headers };
  }
}

/**
 * Whether `value` is a {@link CohereRelayError}.
 *
 * ## Example
 * ```ts
 * import { isCohereRelayError } from 'cohere-rx/server';
 * try { await authenticate(); } catch (err) { if (isCohereRelayError(err)) console.warn(err.status, err.message); }
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereRelayError` (by class, or by `name` across realms).
 */
export function isCohereRelayError(value: unknown): value is CohereRelayError {
  if (value instanceof CohereRelayError) return true;
  const candidate = value as { name?: unknown; message?: unknown } | null;
  return (
    typeof candidate === 'object' && candidate !== null && candidate.name === 'CohereRelayError' && typeof candidate.message === 'string'
  );
}
