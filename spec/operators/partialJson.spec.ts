import fc from 'fast-check';
import { from, toArray } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { CohereJsonError, isCohereError, isCohereJsonError, partialJson } from '../../lib';
import { errorOf } from '../helpers/collect';

/** Runs `pieces` through partialJson() synchronously. */
function run(pieces: string[]): { values: unknown[]; error: unknown; completed: boolean } {
  const seen = { values: [] as unknown[], error: undefined as unknown, completed: false };
  from(pieces)
    .pipe(partialJson())
    .subscribe({
      next: (v) => seen.values.push(v),
      error: (e: unknown) => (seen.error = e),
      complete: () => (seen.completed = true),
    });
  return seen;
}

describe('partialJson', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit the value so far each time it changes', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a--b--c--|', { a: '{"city":"Par', b: 'is","days":[1,', c: '2]}' });
      const e1subs = '^---------!';
      const expected = '-x--y--z--|';
      expectObservable(e1.pipe(partialJson())).toBe(expected, {
        x: { city: 'Par' },
        y: { city: 'Paris', days: [1] },
        z: { city: 'Paris', days: [1, 2] },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should stay silent on never, complete-with-error on empty, and parse a single piece', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const never = cold<string>('-');
      expectObservable(never.pipe(partialJson())).toBe('-');
      expectSubscriptions(never.subscriptions).toBe('^');
      // An empty text is not JSON: JSON.parse('') throws too.
      const empty = cold<string>('|');
      expectObservable(empty.pipe(partialJson())).toBe(
        '#',
        undefined,
        new CohereJsonError('incomplete', { offset: 0, line: 1, column: 1 }, '', 'the text ended before any value'),
      );
      const single = cold('-a-|', { a: '[true, null]' });
      expectObservable(single.pipe(partialJson())).toBe('-x-|', { x: [true, null] });
    });
  });

  it('should show a number when it is proved complete, a literal at its last letter, nothing for a bare key', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('-a-b-c-d-e-f-|', { a: '{"n": 1', b: '2', c: ', "t": tr', d: 'ue', e: ', "k', f: '": "v"}' });
      const expected = '-w---x-y---z-|';
      expectObservable(e1.pipe(partialJson())).toBe(expected, {
        w: {},
        x: { n: 12 },
        y: { n: 12, t: true },
        z: { n: 12, t: true, k: 'v' },
      });
    });
  });

  it('should emit a top-level number when the source completes', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-|', { a: '-1', b: '.5e2' }).pipe(partialJson())).toBe('-----(x|)', { x: -150 });
    });
  });

  it('should deliver what was parsed, then error with a CohereJsonError naming where', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-b-c-|', { a: '{"a": "x",\n', b: ' "b": [1, 2', c: '] oops}' });
      const e1subs = '^----!';
      const error = new CohereJsonError(
        'invalid',
        { offset: 24, line: 2, column: 14 },
        '{"a": "x",\n "b": [1, 2] o',
        'unexpected "o": a comma or } must follow an object member',
      );
      expectObservable(e1.pipe(partialJson())).toBe('-x-y-(z#)', { x: { a: 'x' }, y: { a: 'x', b: [1] }, z: { a: 'x', b: [1, 2] } }, error);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should error as incomplete when the source completes inside a value', () => {
    const seen = run(['{"a": [1, 2', ']']);
    expect(seen.values).toEqual([{ a: [1] }, { a: [1, 2] }]);
    expect(isCohereJsonError(seen.error)).toBe(true);
    expect(isCohereError(seen.error)).toBe(true);
    expect(errorOf(seen, isCohereJsonError).reason).toBe('incomplete');
    expect(errorOf(seen, isCohereJsonError).message).toBe(
      'Incomplete JSON at line 1, column 13 (offset 12): the text ended with an object open, near "{\\"a\\": [1, 2]"',
    );
  });

  it('should forward a source error after the values', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', { a: '["x' }).pipe(partialJson())).toBe('-x-#', { x: ['x'] });
    });
  });

  it('should unsubscribe early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a--b--c--|', { a: '[1', b: ',2', c: ']' });
      const e1subs = '^------!';
      const unsub = '-------!';
      expectObservable(e1.pipe(partialJson()), unsub).toBe('-x--y---', { x: [], y: [1] });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should keep state per subscription', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const values$ = cold('-a-b-|', { a: '"ab', b: 'c"' }).pipe(partialJson());
      expectObservable(values$).toBe('-x-y-|', { x: 'ab', y: 'abc' });
      expectObservable(values$).toBe('-x-y-|', { x: 'ab', y: 'abc' });
    });
  });

  it('should show escapes once complete and hold back half a surrogate pair', () => {
    const seen = run(['"a\\', 'n\\u00', 'e9', '\\ud83d', '\\ude00', '"']);
    expect(seen.values).toEqual(['a', 'a\n', 'a\né', 'a\né😀']);
    // an emoji split between two pieces, unescaped
    expect(run(['["', '😀'.slice(0, 1), '😀'.slice(1), '"]']).values).toEqual([[''], ['😀']]);
  });

  it('should make __proto__ an own member, as JSON.parse does', () => {
    const seen = run(['{"__proto__": {"x": 1}}']);
    const value = seen.values[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(value).toEqual(JSON.parse('{"__proto__": {"x": 1}}'));
  });

  it('should keep settled subtrees identical and renew only the path that changed', () => {
    const seen = run(['{"a": {"b": [1, 2]}, "c": ["x"', ', "y', 'z"], "d": {"e"', ': 1}}']);
    const [v1, v2, v3, v4] = seen.values as { a: unknown; c: unknown[]; d?: unknown }[];
    expect(v2!.a).toBe(v1!.a);
    expect(v3!.a).toBe(v1!.a);
    expect(v2!.c[0]).toBe('x');
    expect(v3!.c).not.toBe(v2!.c); // c changed ('y' → 'yz')
    expect(v4!.c).toBe(v3!.c); // c settled
    expect(v4!.a).toBe(v1!.a);
  });

  it.each([
    ['{"a":1,}', 7],
    ['[1 2]', 3],
    ['{"a" 1}', 5],
    ['"\t"', 1],
    ['01', 1],
    ['[tru]', 4],
    ['{"a":-}', 6],
    ['1.e5', 2],
    ['{} {}', 3],
    ['"\\x"', 2],
    ['"\\u12G4"', 5],
    ["{'a':1}", 1],
  ])('should reject %j at offset %i, like JSON.parse', (text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    const seen = run([text]);
    expect(isCohereJsonError(seen.error)).toBe(true);
    expect(errorOf(seen, isCohereJsonError).reason).toBe('invalid');
    expect(errorOf(seen, isCohereJsonError).offset).toBe(offset);
  });
});

// ---- properties ----------------------------------------------------------------

/** A tiny PRNG, so that one fast-check integer decides every formatting choice. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const WHITESPACE = [' ', '\n', '\t', '\r\n', '  '];

/** Serialises `value` as JSON with random whitespace and random escapes (\uXXXX, short escapes, raw). */
function serialise(value: unknown, random: () => number, pretty: boolean, depth = 0): string {
  const ws = (): string => (pretty ? '' : random() < 0.2 ? WHITESPACE[Math.floor(random() * WHITESPACE.length)]! : '');
  const indent = (d: number): string => (pretty ? '\n' + '  '.repeat(d) : '');
  const str = (s: string): string => {
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const ch = s[i]!;
      const r = random();
      if (ch === '"' || ch === '\\' || c < 0x20 || r < 0.15) {
        const short: Record<string, string> = {
          '"': '\\"',
          '\\': '\\\\',
          '\n': '\\n',
          '\r': '\\r',
          '\t': '\\t',
          '\b': '\\b',
          '\f': '\\f',
          '/': '\\/',
        };
        out +=
          short[ch] !== undefined && random() < 0.5
            ? short[ch]
            : '\\u' + c.toString(16).padStart(4, '0')[random() < 0.5 ? 'toUpperCase' : 'toLowerCase']();
      } else out += ch;
    }
    return out + '"';
  };
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[' + ws() + ']';
    return (
      '[' + value.map((v) => indent(depth + 1) + ws() + serialise(v, random, pretty, depth + 1) + ws()).join(',') + indent(depth) + ']'
    );
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{' + ws() + '}';
  return (
    '{' +
    entries
      .map(
        ([k, v]) => indent(depth + 1) + ws() + str(k) + ws() + ':' + (pretty ? ' ' : ws()) + serialise(v, random, pretty, depth + 1) + ws(),
      )
      .join(',') +
    indent(depth) +
    '}'
  );
}

/** Splits `text` at the given (sorted, deduplicated) points. */
function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let at = 0;
  for (const p of points) {
    if (p > at) pieces.push(text.slice(at, p));
    at = Math.max(at, p);
  }
  pieces.push(text.slice(at));
  return pieces.filter((p) => p !== '');
}

/** Whether `partial` can be a snapshot on the way to `final`: settled parts equal, at most one growing member per container. */
function consistent(partial: unknown, final: unknown): boolean {
  if (typeof partial === 'string') return typeof final === 'string' && final.startsWith(partial);
  if (partial === null || typeof partial !== 'object') return Object.is(partial, final);
  if (Array.isArray(partial)) {
    if (!Array.isArray(final) || partial.length > final.length) return false;
    return partial.every((v, i) => (i < partial.length - 1 ? deepEqual(v, final[i]) : consistent(v, final[i])));
  }
  if (final === null || typeof final !== 'object' || Array.isArray(final)) return false;
  const f = final as Record<string, unknown>;
  let growing = 0;
  for (const [k, v] of Object.entries(partial)) {
    if (!Object.prototype.hasOwnProperty.call(f, k) || !consistent(v, f[k])) return false;
    if (!deepEqual(v, f[k])) growing++;
  }
  return growing <= 1;
}

function deepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toStrictEqual(b);
    return true;
  } catch {
    return false;
  }
}

/** Every container in `b` that deep-equals the container at the same path in `a` is the same object. */
function checkIdentity(a: unknown, b: unknown): void {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return;
  if (Array.isArray(a) !== Array.isArray(b)) return;
  if (deepEqual(a, b)) {
    expect(b).toBe(a);
    return;
  }
  for (const k of Object.keys(b)) {
    if (Object.prototype.hasOwnProperty.call(a, k)) checkIdentity((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
  }
}

const documents = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const withUnicode = fc.oneof(
  documents,
  fc.dictionary(
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 }),
    ),
  ),
);

describe('partialJson (properties)', () => {
  it('should end with JSON.parse of the whole text, through snapshots consistent with it, whatever the split', () => {
    fc.assert(
      fc.property(withUnicode, fc.integer(), fc.boolean(), fc.array(fc.nat(), { maxLength: 40 }), (value, seed, pretty, cuts) => {
        const text = serialise(value, prng(seed), pretty);
        const final = JSON.parse(text) as unknown;
        const seen = run(splitAt(text, cuts));
        expect(seen.error).toBeUndefined();
        expect(seen.completed).toBe(true);
        expect(seen.values.length).toBeGreaterThan(0);
        expect(seen.values[seen.values.length - 1]).toStrictEqual(final);
        for (const v of seen.values) expect(consistent(v, final)).toBe(true);
        for (let i = 1; i < seen.values.length; i++) {
          expect(deepEqual(seen.values[i - 1], seen.values[i])).toBe(false); // emitted only on change
          checkIdentity(seen.values[i - 1], seen.values[i]);
        }
      }),
      { seed: 0xc0ffee, numRuns: 400 },
    );
  });

  it('should give the same values for one-character pieces as for the whole text, finally', () => {
    fc.assert(
      fc.property(documents, fc.integer(), (value, seed) => {
        const text = serialise(value, prng(seed), false);
        const whole = run([text]);
        const chars = run([...text]);
        expect(chars.values[chars.values.length - 1]).toStrictEqual(whole.values[whole.values.length - 1]);
      }),
      { seed: 0xc0ffee, numRuns: 150 },
    );
  });

  it('should reject what JSON.parse rejects, after the same prefix of values', () => {
    fc.assert(
      fc.property(
        documents,
        fc.integer(),
        fc.nat(),
        fc.constantFrom('}', ']', ',', ':', 'x', '"', '\u0001', '-', '.', ' 1'),
        (value, seed, at, junk) => {
          const text = serialise(value, prng(seed), false);
          const p = at % (text.length + 1);
          const broken = text.slice(0, p) + junk + text.slice(p);
          let valid = true;
          try {
            JSON.parse(broken);
          } catch {
            valid = false;
          }
          const seen = run([broken]);
          if (valid) expect(seen.values[seen.values.length - 1]).toStrictEqual(JSON.parse(broken));
          else expect(isCohereJsonError(seen.error)).toBe(true);
        },
      ),
      { seed: 0xc0ffee, numRuns: 400 },
    );
  });

  it('should emit through toArray the same as synchronously', async () => {
    const { lastValueFrom } = await import('rxjs');
    expect(await lastValueFrom(from(['{"a":', '[1]}']).pipe(partialJson(), toArray()))).toEqual([{}, { a: [1] }]);
  });
});
