import fc from 'fast-check';
import { map, merge, Subject, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { smoothText } from '../../lib';

describe('smoothText', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should release one word per delay, hold a word until it ends, release the last word at completion', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a------------b--|', { a: 'Hello big wide ', b: 'world' });
      const e1subs = '^----------------!';
      const expected = '-x--y---------z--(w|)';
      expectObservable(e1.pipe(smoothText({ delayMs: 3, scheduler: testScheduler }))).toBe(expected, {
        x: 'Hello ',
        y: 'big ',
        z: 'wide ',
        w: 'world',
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should stay silent on never, complete on empty, pass a single piece through at completion', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const never = cold<string>('-');
      expectObservable(never.pipe(smoothText({ scheduler: testScheduler }))).toBe('-');
      expectSubscriptions(never.subscriptions).toBe('^');
      expectObservable(cold<string>('|').pipe(smoothText({ scheduler: testScheduler }))).toBe('|');
      expectObservable(cold('-a-|', { a: 'Hi' }).pipe(smoothText({ scheduler: testScheduler }))).toBe('---(x|)', { x: 'Hi' });
    });
  });

  it('should release a word still arriving once it is maxLagMs old', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('-a---------b-|', { a: 'Hel', b: 'lo' });
      const expected = '------x------(y|)';
      expectObservable(e1.pipe(smoothText({ delayMs: 1, maxLagMs: 5, scheduler: testScheduler }))).toBe(expected, { x: 'Hel', y: 'lo' });
    });
  });

  it('should flush what arrived at once, then error (an error does not wait for the pace)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a--#', { a: 'one two three' });
      const e1subs = '^---!';
      expectObservable(e1.pipe(smoothText({ delayMs: 2, scheduler: testScheduler }))).toBe('-x-y(z#)', {
        x: 'one ',
        y: 'two ',
        z: 'three',
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should keep its pace after the source completes, when a burst arrives whole (a cache, a replay)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('(a|)', { a: 'one two three four' });
      const e1subs = '(^!)';
      expectObservable(e1.pipe(smoothText({ delayMs: 2, scheduler: testScheduler }))).toBe('x-y-z-(w|)', {
        x: 'one ',
        y: 'two ',
        z: 'three ',
        w: 'four',
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should go on at its pace when the source completes mid-flow, then complete after the last word', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a--|', { a: 'a b c d e f' });
      const e1subs = '^---!';
      expectObservable(e1.pipe(smoothText({ delayMs: 2, scheduler: testScheduler }))).toBe('-u-v-w-x-y-(z|)', {
        u: 'a ',
        v: 'b ',
        w: 'c ',
        x: 'd ',
        y: 'e ',
        z: 'f',
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should speed up after completion only as much as maxLagMs requires', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      // 12 words and 'end' at once, then completion; delay 2, maxLag 8: ceil(12 × 2 / 8) = 3 words at
      // once, then ceil(backlog × 2 / time left) every 2 frames (4, 3, 3): all out 6 frames later, within 8.
      const words = Array.from({ length: 12 }, (_, i) => `w${i} `).join('') + 'end';
      expectObservable(cold('(a|)', { a: words }).pipe(smoothText({ delayMs: 2, maxLagMs: 8, scheduler: testScheduler }))).toBe(
        'v-w-x-(y|)',
        { v: 'w0 w1 w2 ', w: 'w3 w4 w5 w6 ', x: 'w7 w8 w9 ', y: 'w10 w11 end' },
      );
    });
  });

  it('should let nothing out after an unsubscribe during the paced rest, and cancel its timers', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('(a|)', { a: 'a b c d e f' });
      expectObservable(e1.pipe(smoothText({ delayMs: 2, scheduler: testScheduler })), '---!').toBe('x-y-', { x: 'a ', y: 'b ' });
      expectSubscriptions(e1.subscriptions).toBe('(^!)');
    });
    const scheduler = new TestScheduler(() => undefined);
    const source = new Subject<string>();
    const out: string[] = [];
    const sub = source.pipe(smoothText({ delayMs: 5, scheduler })).subscribe({ next: (t) => out.push(t), complete: () => out.push('|') });
    source.next('a b c d ');
    source.complete();
    expect(out).toEqual(['a ']);
    sub.unsubscribe();
    scheduler.flush();
    expect(out).toEqual(['a ']);
    expect(scheduler.actions.every((a) => a.closed)).toBe(true);
  });

  it('should cancel its timers on early unsubscribe', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a------|', { a: 'a b c d e f ' });
      const e1subs = '^---!';
      const unsub = '----!';
      expectObservable(e1.pipe(smoothText({ delayMs: 2, scheduler: testScheduler })), unsub).toBe('-x-y-', { x: 'a ', y: 'b ' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
    const scheduler = new TestScheduler(() => undefined);
    const source = new Subject<string>();
    const sub = source.pipe(smoothText({ delayMs: 5, scheduler })).subscribe();
    source.next('a b c d ');
    expect(scheduler.actions.length).toBe(1);
    sub.unsubscribe();
    expect(scheduler.actions.every((a) => a.closed)).toBe(true);
  });

  it('should speed up when the backlog grows, never lagging more than maxLagMs', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      // 12 words at once; delay 2, maxLag 8: each emission takes ceil(backlog × 2 / time left) words,
      // so 3 every 2 frames, and the word still open ('end') goes out when it is 8 frames old.
      const words = Array.from({ length: 12 }, (_, i) => `w${i} `).join('');
      const e1 = cold('a---------------|', { a: words + 'end' });
      const expected = 'v-w-x-y-z-------|';
      expectObservable(e1.pipe(smoothText({ delayMs: 2, maxLagMs: 8, scheduler: testScheduler }))).toBe(expected, {
        v: 'w0 w1 w2 ',
        w: 'w3 w4 w5 ',
        x: 'w6 w7 w8 ',
        y: 'w9 w10 w11 ',
        z: 'end',
      });
    });
  });

  it('should split Chinese, Japanese and Thai into words, keep punctuation with its word', () => {
    const units = (text: string): string[] => {
      const out: string[] = [];
      const scheduler = new TestScheduler(() => undefined);
      const source = new Subject<string>();
      source.pipe(smoothText({ delayMs: 0, scheduler })).subscribe((t) => out.push(t));
      source.next(text);
      source.complete();
      return out;
    };
    expect(units('Hello, (big) world! Go')).toEqual(['Hello, ', '(big) ', 'world! ', 'Go']);
    expect(units('你好，世界').length).toBeGreaterThan(1);
    expect(units('日本語を話します').length).toBeGreaterThan(1);
    expect(units('สวัสดีครับ').length).toBeGreaterThan(1);
  });

  it('should chunk by line, by a RegExp, or by a function', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const text = cold('-a-|', { a: 'one\ntwo\nthree' });
      expectObservable(text.pipe(smoothText({ chunking: 'line', delayMs: 1, scheduler: testScheduler }))).toBe('-xy(z|)', {
        x: 'one\n',
        y: 'two\n',
        z: 'three',
      });
      expectObservable(text.pipe(smoothText({ chunking: /o/, delayMs: 1, scheduler: testScheduler }))).toBe('-xy(z|)', {
        x: 'o',
        y: 'ne\ntwo',
        z: '\nthree',
      });
      const pairs = (pending: string) => (pending.length >= 2 ? 2 : 0);
      expectObservable(cold('-a-|', { a: 'abcde' }).pipe(smoothText({ chunking: pairs, delayMs: 1, scheduler: testScheduler }))).toBe(
        '-xy(z|)',
        { x: 'ab', y: 'cd', z: 'e' },
      );
    });
  });

  it('should error when a chunking function throws or returns nonsense, and reject bad options at once', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const boom = new Error('boom');
      const throwing = () => {
        throw boom;
      };
      expectObservable(cold('-a-|', { a: 'x' }).pipe(smoothText({ chunking: throwing, scheduler: testScheduler }))).toBe(
        '-#',
        undefined,
        boom,
      );
      expectObservable(cold('-a-|', { a: 'xy' }).pipe(smoothText({ chunking: () => 5, scheduler: testScheduler }))).toBe(
        '-#',
        undefined,
        new RangeError('smoothText: the chunking function returned 5 for 2 character(s) of text'),
      );
    });
    expect(() => smoothText({ delayMs: -1 })).toThrow(RangeError);
    expect(() => smoothText({ maxLagMs: Number.NaN })).toThrow('maxLagMs');
    expect(() => smoothText({ chunking: 'sentence' as 'word' })).toThrow(TypeError);
  });
});

describe('smoothText (properties)', () => {
  const scripts = fc.constantFrom(
    'The quick brown fox, jumps! over 3.14 lazy dogs.\n',
    '我们今天去公园散步，天气很好。',
    '日本語のテキストを分割します。カタカナも。',
    'ภาษาไทยไม่มีช่องว่างระหว่างคำ ',
    '👍🏽 emoji 🦀 and 👨‍👩‍👧 families ',
    'Ünïcödé ça va? Привет мир ',
  );
  const text = fc
    .array(fc.tuple(scripts, fc.nat(), fc.nat()), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.map(([s, a, b]) => s.slice(Math.min(a, b) % s.length, (Math.max(a, b) % s.length) + 1)).join(''));

  it('should emit exactly the input, in order, never later than maxLagMs after it arrived', () => {
    fc.assert(
      fc.property(
        text,
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.nat({ max: 30 }), { maxLength: 20 }),
        fc.nat({ max: 5 }),
        fc.integer({ min: 0, max: 40 }),
        (input, cuts, gaps, delayMs, maxLagMs) => {
          // Cuts at UTF-16 indices may split a surrogate pair across pieces, as a careless producer would.
          const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
          const pieces: string[] = [];
          let at = 0;
          for (const p of [...points, input.length]) {
            if (p > at) pieces.push(input.slice(at, p));
            at = Math.max(at, p);
          }
          const scheduler = new TestScheduler(() => undefined);
          const out: { text: string; time: number }[] = [];
          const arrivals: number[] = []; // arrival time of each character
          let done = -1;
          scheduler.run(() => {
            let time = 0;
            const timed = pieces.map((piece, i) => {
              time += 1 + (gaps[i] ?? 0);
              for (let k = 0; k < piece.length; k++) arrivals.push(time);
              return timer(time, scheduler).pipe(map(() => piece));
            });
            merge(...timed)
              .pipe(smoothText({ delayMs, maxLagMs, scheduler }))
              .subscribe({ next: (t) => out.push({ text: t, time: scheduler.now() }), complete: () => (done = scheduler.now()) });
          });
          expect(out.map((o) => o.text).join('')).toBe(input);
          expect(done).toBeGreaterThanOrEqual(0);
          let offset = 0;
          for (const o of out) {
            for (let k = 0; k < o.text.length; k++) expect(o.time - arrivals[offset + k]!).toBeLessThanOrEqual(maxLagMs);
            offset += o.text.length;
          }
        },
      ),
      { seed: 0xc0ffee, numRuns: 200 },
    );
  });
});
