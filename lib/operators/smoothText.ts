import {
  asyncScheduler,
  Observable,
  type MonoTypeOperatorFunction,
  type ObservableNotification,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { createOperator } from './createOperator';
import { splitter } from './textUnits';

/** Options of `smoothText()`. */
export interface SmoothTextOptions {
  /**
   * How text is cut into the units released one at a time:
   * - `'word'`: a word with the spaces and punctuation after it, found with
   *   `Intl.Segmenter` (`granularity: 'word'`, so Chinese, Japanese and Thai
   *   split into words), or by a regular expression where `Intl.Segmenter` is
   *   missing (then Chinese and Japanese split per character, Thai only at spaces);
   * - `'line'`: a line with its `\n`;
   * - a `RegExp`: each match ends a unit (a match that reaches the end of the
   *   text so far waits for more, as it may grow);
   * - a function: given the text not yet cut, returns the length of the first
   *   complete unit at its start, or 0 when none is complete yet.
   * @default 'word'
   */
  chunking?: 'word' | 'line' | RegExp | ((pending: string) => number) | undefined;
  /**
   * The pace: time between two emissions while text is waiting.
   * @default 10
   */
  delayMs?: number | undefined;
  /**
   * The bound on lag: no character is emitted later than this after it
   * arrived. When text waits, each emission takes enough units to clear the
   * backlog by the time its oldest unit is due (`ceil(backlog × delayMs /
   * time left)`), so the output speeds up evenly instead of bursting at the
   * bound; a word still arriving is released half-way once it is this old.
   * `Infinity` turns the bound off.
   * @default 500
   */
  maxLagMs?: number | undefined;
  /**
   * Where the pacing timers run (a `TestScheduler` in marble tests).
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike | undefined;
}

/**
 * Re-paces text pieces for display: word by word, at an even pace that never
 * lags the source by more than a bound.
 *
 * Network-sized bursts come out one unit (a word, by default) every `delayMs`;
 * the first as soon as it is complete. A word is held back until the text
 * after it shows that it ended. When text waits, emissions take several units
 * each, so no character comes out later than `maxLagMs` after it arrived.
 * Nothing is lost, reordered or duplicated: the output joined equals the
 * input joined. When the source completes, what is left keeps the same pace
 * (and the same bound: it speeds up only where the pace would lag more than
 * `maxLagMs`), then the output completes; so a burst that arrives whole (a
 * cache, a replay, a fast model) still flows. When the source errors, what is
 * left comes out at once, then the error. Unsubscribing cancels the timers.
 *
 * ```text
 * source: -a------------b--|          (text pieces a: 'Hello big wide ', b: 'world')
 * result: -A--B---------D--(F|)       smoothText({ delayMs: 3 })
 *   (A: 'Hello ', B: 'big ', D: 'wide ' once 'world' shows it ended, F: 'world' at completion)
 * source: (a|)                        (a: 'Hello big wide world', all at once)
 * result: A--B--D--(F|)               smoothText({ delayMs: 3 }): the pace goes on after completion
 * ```
 *
 * ## Example
 * Show the answer flowing word by word.
 * ```ts
 * import { chatStream$, smoothText, textOnly } from 'cohere-rx';
 * import { scan } from 'rxjs';
 *
 * chatStream$(request)
 *   .pipe(textOnly(), smoothText(), scan((all, piece) => all + piece, ''))
 *   .subscribe((text) => (answer.textContent = text));
 * ```
 *
 * @see {@link textOnly}
 * @param options `chunking`, `delayMs`, `maxLagMs`, `scheduler`; all optional.
 * @returns An operator re-pacing text pieces.
 */
export function smoothText(options: SmoothTextOptions = {}): MonoTypeOperatorFunction<string> {
  const delayMs = options.delayMs ?? 10;
  const maxLagMs = options.maxLagMs ?? 500;
  if (typeof delayMs !== 'number' || !(delayMs >= 0) || delayMs === Infinity) {
    throw new RangeError(`smoothText: delayMs must be a finite number >= 0, got ${String(delayMs)}`);
  }
  if (typeof maxLagMs !== 'number' || !(maxLagMs >= 0)) {
    throw new RangeError(`smoothText: maxLagMs must be a number >= 0 (or Infinity), got ${String(maxLagMs)}`);
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  const split = splitter(options.chunking ?? 'word');

  // The source's notifications arrive as values (see `notifications`), so
  // that an error can flush what arrived before it is thrown on (the operator
  // core turns a throw into the output's error), and a completion can wait
  // for the paced rest before the output completes.
  const operator = createOperator<ObservableNotification<string>, string>((subscriber) => {
    // Complete units waiting, each with the arrival time of its first character.
    let units: string[] = [];
    let times: number[] = [];
    let head = 0;
    // Text not yet cut into a complete unit, and when its first character arrived.
    let tail = '';
    let tailTime = 0;
    // The source has completed: nothing more arrives, the output completes once all is out.
    let ended = false;
    let lastOut = -Infinity;
    let timer: Subscription | undefined;
    let timerAt = 0;
    subscriber.add(() => timer?.unsubscribe());

    /** One emission: the units due now (at least one), and the tail if it has waited too long. */
    const release = (now: number): void => {
      let out = '';
      const backlog = units.length - head;
      if (backlog > 0) {
        // Enough units to clear the backlog, at this pace, by the time its oldest unit is due.
        const left = times[head]! + maxLagMs - now;
        let take = left < Infinity && delayMs > 0 ? Math.max(1, Math.ceil((backlog * delayMs) / Math.max(left, delayMs))) : 1;
        while (take-- > 0 && head < units.length) out += units[head++];
        while (head < units.length && times[head]! + maxLagMs <= now) out += units[head++];
        if (head === units.length) {
          units = [];
          times = [];
          head = 0;
        } else if (head > 1024 && head * 2 > units.length) {
          units = units.slice(head);
          times = times.slice(head);
          head = 0;
        }
      }
      if (head === units.length && tail !== '' && tailTime + maxLagMs <= now) {
        out += tail;
        tail = '';
      }
      if (out !== '') {
        lastOut = now;
        subscriber.next(out);
      }
    };

    /** Emits what is due now, then sets the timer for the next emission (or none). */
    const plan = (now: number): void => {
      for (;;) {
        let due: number;
        if (head < units.length) due = Math.min(Math.max(lastOut + delayMs, now), times[head]! + maxLagMs);
        else if (tail !== '') due = tailTime + maxLagMs;
        else if (ended) return subscriber.complete();
        else due = Infinity;
        if (due <= now) {
          release(now);
          if (subscriber.closed) return;
          continue;
        }
        if (timer && timerAt === due) return;
        timer?.unsubscribe();
        timer = undefined;
        if (due === Infinity) return;
        timerAt = due;
        timer = scheduler.schedule(() => {
          timer = undefined;
          plan(Math.max(scheduler.now(), timerAt));
        }, due - now);
        return;
      }
    };

    const flush = (): void => {
      timer?.unsubscribe();
      timer = undefined;
      const rest = units.slice(head).join('') + tail;
      units = [];
      times = [];
      head = 0;
      tail = '';
      if (rest !== '') subscriber.next(rest);
    };

    /** A piece arrives: cut what is complete, then emit or set the timer. */
    const arrive = (piece: string): void => {
      if (piece === '') return;
      const now = scheduler.now();
      const old = tail.length;
      if (old === 0) tailTime = now;
      tail += piece;
      const found: string[] = [];
      const used = split(tail, found);
      if (used > 0) {
        let at = 0;
        for (const unit of found) {
          units.push(unit);
          times.push(at < old ? tailTime : now);
          at += unit.length;
        }
        tail = tail.slice(used);
        if (used >= old) tailTime = now;
      }
      plan(now);
    };

    /** The source completed: the text still being cut is a whole unit now; the pace goes on. */
    const end = (): void => {
      ended = true;
      if (tail !== '') {
        units.push(tail);
        times.push(tailTime);
        tail = '';
      }
      plan(scheduler.now());
    };

    return {
      next: (notification) => {
        if (notification.kind === 'N') arrive(notification.value);
        else if (notification.kind === 'E') {
          flush();
          throw notification.error;
        } else end();
      },
    };
  });
  return (source) => operator(notifications(source));
}

/**
 * The source's notifications as values, like `materialize()`, except that its
 * completion is a value too and the output does not complete: `smoothText`
 * completes its own output once the paced rest is out.
 */
function notifications<T>(source: Observable<T>): Observable<ObservableNotification<T>> {
  return new Observable((subscriber) =>
    source.subscribe({
      next: (value) => subscriber.next({ kind: 'N', value }),
      error: (error: unknown) => subscriber.next({ kind: 'E', error }),
      complete: () => subscriber.next({ kind: 'C' }),
    }),
  );
}
