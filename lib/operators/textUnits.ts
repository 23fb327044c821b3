/**
 * How `smoothText()` cuts text into the units it releases: words (by
 * `Intl.Segmenter`, or a regular expression where it is missing), lines, the
 * matches of a `RegExp`, or the lengths a custom function returns.
 */
import type { SmoothTextOptions } from './smoothText';

/** Cuts the complete units at the start of `pending` into `out`; returns how much was cut. */
export type Splitter = (pending: string, out: string[]) => number;

const SPACE = /^\s/;

/** The splitter for a `chunking` option. */
export function splitter(chunking: NonNullable<SmoothTextOptions['chunking']>): Splitter {
  if (chunking === 'word') return typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function' ? bySegmenter() : byWordPattern();
  if (chunking === 'line') return byLine;
  if (chunking instanceof RegExp) return byMatch(chunking);
  if (typeof chunking === 'function') return byFunction(chunking);
  throw new TypeError(`smoothText: chunking must be 'word', 'line', a RegExp or a function, got ${String(chunking)}`);
}

/**
 * Word units from segments: a unit ends before a segment that is not
 * whitespace and either follows whitespace or is a word while the unit has a
 * word already. So punctuation stays with its word (`'Hello, '`), an opening
 * bracket with the word it opens (`'(see) '`), and words written without
 * spaces (Chinese, Japanese, Thai) are units of their own. The last unit may
 * still grow: it stays pending.
 */
function cutWords(
  pending: string,
  segments: Iterable<{ segment: string; index: number; isWordLike?: boolean | undefined }>,
  out: string[],
): number {
  let start = 0;
  let hasWord = false;
  let afterSpace = false;
  for (const { segment, index, isWordLike } of segments) {
    const space = SPACE.test(segment);
    if (!space && index > start && (afterSpace || (isWordLike && hasWord))) {
      out.push(pending.slice(start, index));
      start = index;
      hasWord = false;
    }
    if (isWordLike) hasWord = true;
    afterSpace = space;
  }
  return start;
}

function bySegmenter(): Splitter {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
  return (pending, out) => cutWords(pending, segmenter.segment(pending), out);
}

/** Without `Intl.Segmenter`: whitespace runs, single Han/Kana characters, letter-or-digit runs, anything else. */
function byWordPattern(): Splitter {
  const token = /(\s+)|([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}\p{M}_'’]+)|([^\s\p{L}\p{N}\p{M}_'’]+)/gu;
  return (pending, out) => {
    const segments: { segment: string; index: number; isWordLike: boolean }[] = [];
    token.lastIndex = 0;
    for (let m = token.exec(pending); m !== null; m = token.exec(pending)) {
      segments.push({ segment: m[0], index: m.index, isWordLike: m[2] !== undefined });
    }
    return cutWords(pending, segments, out);
  };
}

function byLine(pending: string, out: string[]): number {
  let start = 0;
  for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
    out.push(pending.slice(start, nl + 1));
    start = nl + 1;
  }
  return start;
}

function byMatch(pattern: RegExp): Splitter {
  const global = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '') + 'g');
  return (pending, out) => {
    let start = 0;
    global.lastIndex = 0;
    for (let m = global.exec(pending); m !== null; m = global.exec(pending)) {
      const end = m.index + m[0].length;
      if (m[0] === '') global.lastIndex++; // an empty match: step over it
      if (end >= pending.length) break; // it may still grow
      if (end > start) {
        out.push(pending.slice(start, end));
        start = end;
      }
    }
    return start;
  };
}

function byFunction(cut: (pending: string) => number): Splitter {
  return (pending, out) => {
    let start = 0;
    while (start < pending.length) {
      const rest = pending.slice(start);
      const length = cut(rest);
      if (length === 0) break;
      if (!Number.isInteger(length) || length < 0 || length > rest.length) {
        throw new RangeError(`smoothText: the chunking function returned ${String(length)} for ${rest.length} character(s) of text`);
      }
      out.push(rest.slice(0, length));
      start += length;
    }
    return start;
  };
}
