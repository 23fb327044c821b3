/** Backoff before retry number `attempt` (0-based): 0.5 s, 1 s, 2 s, … capped at 8 s, with jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(8_000, 500 * 2 ** attempt);
  // "Equal jitter": half fixed, half random, so retries from many clients spread out
  // without ever retrying immediately.
  return Math.round(base / 2 + (base / 2) * random());
}

/**
 * Parses a `Retry-After` header: delta-seconds (`"2"`, `"0.5"`) or an HTTP date.
 * Returns milliseconds from `now`, never negative, or `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Statuses worth another try: a request timeout, rate limits and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A `Retry-After` longer than this is not waited for: the error goes out with `retryAfterMs`. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * How long to wait before retry number `retries + 1` of a failed attempt, or
 * `undefined` when the failure must go out: it is not worth retrying, the
 * retries are used up, or the server asked for a wait over a minute.
 */
export function retryWait(
  failure: { retry: boolean; retryAfterMs?: number | undefined },
  retries: number,
  maxRetries: number,
): number | undefined {
  if (!failure.retry || retries >= maxRetries) return undefined;
  const wait = failure.retryAfterMs ?? backoffMs(retries);
  return wait > MAX_RETRY_AFTER_MS ? undefined : wait;
}
