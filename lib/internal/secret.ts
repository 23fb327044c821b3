const MASK = '[REDACTED]';

/**
 * Removes every occurrence of `secret` from text that may end up in an error:
 * a server that echoes the key back must not leak it through us.
 */
export function createScrubber(secret: string | undefined): (text: string) => string {
  if (!secret) return (text) => text;
  return (text) => (text.includes(secret) ? text.split(secret).join(MASK) : text);
}

/**
 * Returns `cause` when nothing in it shows `secret`, else a plain `Error`
 * with the scrubbed message, so that `err.cause` cannot leak the key either.
 */
export function scrubCause(cause: unknown, secret: string | undefined): unknown {
  if (!secret || cause === undefined || cause === null) return cause;
  let shown: string;
  try {
    const c = cause as { message?: unknown; stack?: unknown };
    shown = `${String(c.message)}\n${String(c.stack)}\n${String(cause)}\n${JSON.stringify(cause)}`;
  } catch {
    shown = secret; // unreadable: assume the worst
  }
  if (!shown.includes(secret)) return cause;
  const message = (cause as { message?: unknown }).message;
  return new Error(createScrubber(secret)(typeof message === 'string' ? message : String(cause)));
}
