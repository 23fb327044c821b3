// Every operator is built on one core (lib/operators/createOperator.ts). These
// properties hold for each of them, whatever the events: a throw while handling
// an event errors the output (never a completion, never onUnhandledError), and
// a downstream unsubscribe stops even a synchronous source at once.
import fc from 'fast-check';
import { config, from, Observable, take, type OperatorFunction } from 'rxjs';
import { accumulateMessage, collectCitations, textOnly, thinkingOnly, toolCalls, toolPlan, usage, type ChatStreamEvent } from '../../lib';
import { ev } from './events';

const operators: Record<string, () => OperatorFunction<ChatStreamEvent, unknown>> = {
  textOnly,
  thinkingOnly,
  toolPlan,
  accumulateMessage,
  collectCitations,
  toolCalls,
  usage,
};

/** A turn in which every operator emits at least once. */
const turn: ChatStreamEvent[] = ['s', 't', 'h', 'T', 'c', 'a', 'p', 'x', 'y', 'z', 'X', 'r', 'b', 'C', 'e'].map((k) => ev[k]!);

/** An event whose every property read throws `error`. */
function explosive(error: Error): ChatStreamEvent {
  return new Proxy(
    {},
    {
      get: () => {
        throw error;
      },
      has: () => {
        throw error;
      },
    },
  ) as ChatStreamEvent;
}

const FOSSILS = fc.constantFrom<unknown>(null, undefined);

describe('the operator core', () => {
  let unhandled: unknown[];
  let saved: typeof config.onUnhandledError;
  beforeEach(() => {
    unhandled = [];
    saved = config.onUnhandledError;
    config.onUnhandledError = (err) => unhandled.push(err);
  });
  afterEach(() => {
    config.onUnhandledError = saved;
  });

  /** Runs `source` through `op` synchronously and records what came out. */
  function run(op: OperatorFunction<ChatStreamEvent, unknown>, source: Observable<ChatStreamEvent>) {
    const seen = { values: 0, error: undefined as unknown, completed: false };
    source.pipe(op).subscribe({
      next: () => void seen.values++,
      error: (err: unknown) => void (seen.error = err),
      complete: () => void (seen.completed = true),
    });
    return seen;
  }

  for (const [name, factory] of Object.entries(operators)) {
    describe(name, () => {
      it('should error with what an event threw, wherever it sits, and stop the source', () => {
        fc.assert(
          fc.property(fc.nat(turn.length), fc.string(), (at, text) => {
            const boom = new Error(`bad event ${text}`);
            const events = [...turn.slice(0, at), explosive(boom), ...turn.slice(at)];
            let pulled = 0;
            function* counted(): Generator<ChatStreamEvent> {
              for (const event of events) {
                pulled++;
                yield event;
              }
            }
            const seen = run(factory(), from(counted()));
            expect(seen.error).toBe(boom);
            expect(seen.completed).toBe(false);
            expect(pulled).toBe(at + 1); // nothing is pulled after the bad event
            expect(unhandled).toEqual([]);
          }),
          { seed: 0xc0ffee, numRuns: 60 },
        );
      });

      it('should error, not complete, on a null or undefined event', () => {
        fc.assert(
          fc.property(fc.nat(turn.length), FOSSILS, (at, fossil) => {
            const events = [...turn.slice(0, at), fossil as ChatStreamEvent, ...turn.slice(at)];
            const seen = run(factory(), from(events));
            expect(seen.error).toBeInstanceOf(TypeError);
            expect(seen.completed).toBe(false);
            expect(unhandled).toEqual([]);
          }),
          { seed: 0xc0ffee, numRuns: 40 },
        );
      });

      it('should pull O(n) events from an endless synchronous source under take(n)', () => {
        fc.assert(
          fc.property(fc.integer({ min: 1, max: 6 }), (n) => {
            let pulled = 0;
            const CAP = 50_000; // an unstopped source is cut here, and the assertion fails
            function* endless(): Generator<ChatStreamEvent> {
              while (pulled < CAP) {
                for (const event of turn) {
                  pulled++;
                  yield event;
                }
              }
            }
            const values: unknown[] = [];
            from(endless())
              .pipe(factory(), take(n))
              .subscribe((v) => values.push(v));
            expect(values).toHaveLength(n);
            // n emissions need at most n turns (each operator emits at least once per turn).
            expect(pulled).toBeLessThanOrEqual(n * turn.length);
          }),
          { seed: 0xc0ffee, numRuns: 12 },
        );
      });

      it('should forward a source error unchanged, once', () => {
        const boom = new Error('upstream');
        const source = new Observable<ChatStreamEvent>((o) => {
          o.next(turn[0]!);
          o.error(boom);
          o.error(new Error('second'));
          o.complete();
        });
        const seen = run(factory(), source);
        expect(seen.error).toBe(boom);
        expect(seen.completed).toBe(false);
        expect(unhandled).toEqual([]);
      });
    });
  }
});
