const MASK = '[REDACTED]';
/**
 * The shortest piece of a secret that is masked on its own. A server, a proxy
 * or V8's `JSON.parse` message may quote a key cut at any point, so whole-key
 * replacement is not enough; pieces shorter than this are too short to help
 * anyone guess the key and too likely to match ordinary text.
 */
const MIN_PIECE = 6;
/** How deep a chain of foreign causes is copied; what lies deeper is dropped. */
const MAX_CAUSE_DEPTH = 4;

/** Removes secrets from text that may end up in an error. */
export type Scrub = (text: string) => string;

/** A {@link Scrub} that can learn a secret found later (the key an `apiKey` function gives). */
export interface LearningScrub extends Scrub {
  /** From now on, masks `secret` too (anything but a non-empty string is ignored). */
  learn(secret: unknown): void;
}

/**
 * A scrubber for the given secrets and for every secret it `learn`s later: a
 * relay's, per request, which learns each key an `apiKey` function gives.
 */
export function learningScrubber(secrets: readonly unknown[]): LearningScrub {
  let known = secrets;
  let mask = createScrubber(known);
  const scrub = ((text: string) => mask(text)) as LearningScrub;
  scrub.learn = (secret) => {
    if (typeof secret === 'string' && secret !== '' && !known.includes(secret)) mask = createScrubber((known = [...known, secret]));
  };
  return scrub;
}

/**
 * A scrubber for the given secrets (the API key, wherever it came from).
 *
 * Every occurrence of a secret, and of any piece of one at least six
 * characters long, becomes `[REDACTED]`. A secret shorter than that is
 * replaced where it occurs whole. Text without any piece of a secret comes
 * back as it was (the same string). Values that are not strings (an `apiKey`
 * function, `undefined`) are ignored.
 */
export function createScrubber(secrets: readonly unknown[]): Scrub {
  const whole = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s !== ''))];
  if (whole.length === 0) return (text) => text;
  // Every window of MIN_PIECE characters of every secret long enough to have one.
  const windows = new Set<string>();
  for (const secret of whole) {
    for (let i = 0; i + MIN_PIECE <= secret.length; i++) windows.add(secret.slice(i, i + MIN_PIECE));
  }
  const short = whole.filter((s) => s.length < MIN_PIECE);
  return (text) => {
    let out = windows.size > 0 ? maskPieces(text, windows) : text;
    for (const secret of short) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
}

/**
 * Replaces each run of text covered by windows found in `windows` with one
 * mask. Windows that overlap or touch make one run, so a whole key (or a long
 * piece of one) becomes a single `[REDACTED]`.
 */
function maskPieces(text: string, windows: ReadonlySet<string>): string {
  const parts: string[] = [];
  let copied = 0; // text before this index is in `parts`
  let runStart = -1;
  let runEnd = -1;
  for (let i = 0; i + MIN_PIECE <= text.length; i++) {
    if (!windows.has(text.slice(i, i + MIN_PIECE))) continue;
    if (i > runEnd) {
      if (runEnd >= 0) {
        parts.push(text.slice(copied, runStart), MASK);
        copied = runEnd;
      }
      runStart = i;
    }
    runEnd = i + MIN_PIECE;
  }
  if (runEnd < 0) return text;
  parts.push(text.slice(copied, runStart), MASK, text.slice(runEnd));
  return parts.join('');
}

/**
 * A stand-in for an error (or any thrown value) that did not come from us,
 * safe to keep as a `cause`: an `Error` with the original's `name` and its
 * scrubbed message, and the same for its own causes, a few levels deep. The
 * foreign object itself is never kept: its fields, stack or `inspect` output
 * may quote anything (V8's `JSON.parse` errors quote the text they choked on).
 */
export function safeCause(cause: unknown, scrub: Scrub, depth = 0): Error | undefined {
  if (cause === undefined || cause === null || depth >= MAX_CAUSE_DEPTH) return undefined;
  const message = scrub(describeThrown(cause));
  const inner = safeCause((cause as { cause?: unknown }).cause, scrub, depth + 1);
  const copy = inner === undefined ? new Error(message) : new Error(message, { cause: inner });
  const name = (cause as { name?: unknown }).name;
  if (typeof name === 'string' && name !== 'Error') {
    copy.name = scrub(name);
    // The stack's first line was written with the old name.
    copy.stack = (copy.stack ?? '').replace(/^Error/, () => copy.name);
  }
  return copy;
}

/** The message of a thrown value from any realm (undici's errors are not this realm's `Error`). */
export function messageOf(thrown: unknown): string | undefined {
  try {
    const message = (thrown as { message?: unknown } | null | undefined)?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined; // a getter that throws
  }
}

/** A one-line description of any thrown value, its own cause's message added (undici says only "fetch failed"). */
export function describeThrown(thrown: unknown): string {
  const message = messageOf(thrown);
  if (message === undefined) {
    try {
      return String(thrown);
    } catch {
      return 'an unprintable value';
    }
  }
  let cause: unknown;
  try {
    cause = (thrown as { cause?: unknown }).cause;
  } catch {
    cause = undefined;
  }
  const inner = messageOf(cause);
  return inner === undefined ? message : `${message} (${inner})`;
}
