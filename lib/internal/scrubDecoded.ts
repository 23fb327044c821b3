import type { Scrub } from './secret';

/**
 * `scrub`, also through JSON escapes: a key a server echoed as `\u0073k-…`,
 * `sk\/…` or any mix (and JSON text inside JSON text, any number of layers)
 * is masked as if it had been sent plain. When escapes hid a secret, the
 * text comes back decoded and masked; otherwise as `scrub` returns it. Each
 * layer decoded is shorter than the last, so it ends. (Compact: this is on
 * the error path of every page.)
 */
export function decodingScrub(scrub: Scrub): Scrub {
  const layer = (text: string): string => {
    const out = scrub(text);
    const decoded = out.replace(/\\(?:u([\da-f]{4})|([^]))/gi, (_, hex: string | undefined, char: string) =>
      hex ? String.fromCharCode(parseInt(hex, 16)) : char,
    );
    if (decoded === out) return out;
    const masked = layer(decoded);
    return masked === decoded ? out : masked;
  };
  return layer;
}

/**
 * JSON text parsed, then scrubbed as decoded: every string value through
 * `scrub`; a property whose name holds a secret is left out. (Values are set
 * as data: `__proto__` stays a key.) Throws what `JSON.parse` throws.
 */
export function parseScrubbed(text: string, scrub: Scrub): unknown {
  return JSON.parse(text, (key, value: unknown) => (scrub(key) !== key ? undefined : typeof value === 'string' ? scrub(value) : value));
}
