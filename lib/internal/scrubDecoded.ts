import type { Scrub } from './secret';

/** A JSON string escape: `\uXXXX`, or a backslash and one character (`\/`, `\"`, `\\`, `\n`, …). */
const ESCAPE = /\\(?:u([0-9a-fA-F]{4})|([\s\S]))/g;
const CONTROL: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
/** JSON inside JSON inside JSON…: how many layers of escapes are looked through. */
const MAX_LAYERS = 4;

/**
 * `scrub`, also through JSON escapes: a key a server echoed as `\u0073k-…`,
 * `sk\/…` or any mix (and JSON text inside JSON text, a few layers deep) is
 * masked as if it had been sent plain. Text without a backslash costs one
 * `indexOf` more. When escapes hid a secret, the text comes back decoded and
 * masked; otherwise as `scrub` returns it.
 */
export function decodingScrub(scrub: Scrub): Scrub {
  const layer = (text: string, depth: number): string => {
    const out = scrub(text);
    if (depth >= MAX_LAYERS || out.indexOf('\\') < 0) return out;
    const decoded = out.replace(ESCAPE, (_, hex: string | undefined, char: string) =>
      hex ? String.fromCharCode(parseInt(hex, 16)) : (CONTROL[char] ?? char),
    );
    const masked = layer(decoded, depth + 1);
    return masked === decoded ? out : masked;
  };
  return (text) => layer(text, 0);
}

/**
 * A copy of a parsed JSON value with every string (keys too) scrubbed. Keys
 * are set as data (`__proto__` stays a key). Throws `RangeError` for a value
 * nested too deep to walk: callers fall back to the text.
 */
export function scrubDeep(value: unknown, scrub: Scrub): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, scrub));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrub(key), scrubDeep(item, scrub)]));
}
