import fc from 'fast-check';
import { from, last, toArray } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import {
  isCohereJsonError,
  isCohereToolArgumentsError,
  partialToolCalls,
  toolCalls,
  parseToolCallArguments,
  type ChatStreamEvent,
  type PartialToolCall,
} from '../../lib';
import { messageEnd, messageStart, toolCallDelta, toolCallEnd, toolCallStart } from '../../lib/testing/events';
import { ev } from './events';

const call = (
  index: number,
  id: string,
  name: string,
  args: Record<string, unknown> | undefined,
  text: string,
  done = false,
): PartialToolCall => ({
  index,
  id,
  name,
  arguments: args,
  argumentsText: text,
  done,
});

describe('partialToolCalls', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit each call on start, on each delta and, done, on its end', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-p-x-y-z-X-m-M-E-|', ev);
      const e1subs = '^------------------!';
      const expected = '-----A-B-D-F-G-H---|';
      expectObservable(e1.pipe(partialToolCalls())).toBe(expected, {
        A: call(0, 'call_a', 'search', undefined, ''),
        B: call(0, 'call_a', 'search', {}, '{"q":'),
        D: call(0, 'call_a', 'search', { q: 'rx' }, '{"q":"rx"}'),
        F: call(0, 'call_a', 'search', { q: 'rx' }, '{"q":"rx"}', true),
        G: call(1, 'call_b', 'now', undefined, ''),
        H: call(1, 'call_b', 'now', {}, '{}', true), // the no-argument rule
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should stay silent on never, complete on empty, forward errors after values', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const never = cold<ChatStreamEvent>('-');
      expectObservable(never.pipe(partialToolCalls())).toBe('-');
      expectSubscriptions(never.subscriptions).toBe('^');
      expectObservable(cold<ChatStreamEvent>('|').pipe(partialToolCalls())).toBe('|');
      expectObservable(cold('-m-#', ev).pipe(partialToolCalls())).toBe('-G-#', { G: call(1, 'call_b', 'now', undefined, '') });
    });
  });

  it('should emit a single call without arguments', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-k-K-|', ev).pipe(partialToolCalls())).toBe('-A-B-|', {
        A: call(0, 'call_k', 'k', undefined, ''),
        B: call(0, 'call_k', 'k', {}, '{}', true),
      });
    });
  });

  it('should unsubscribe early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-x-y-z-X-|', ev);
      const e1subs = '^--!';
      const unsub = '---!';
      expectObservable(e1.pipe(partialToolCalls()), unsub).toBe('-A--', { A: call(0, 'call_a', 'search', undefined, '') });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should match interleaved calls by index and start afresh at each message', () => {
    const second = [
      messageStart('resp-2'),
      toolCallStart(0, 'call_c', 'lookup'),
      toolCallDelta(0, '{"id": 7}'),
      toolCallEnd(0),
      messageEnd('COMPLETE'),
    ];
    const events = ['s', 'x', 'y', 'm', 'M', 'z', 'X', 'E'].map((k) => ev[k]!).concat(second);
    const seen: PartialToolCall[] = [];
    from(events)
      .pipe(partialToolCalls())
      .subscribe((c) => seen.push(c));
    expect(seen.filter((c) => c.done).map((c) => [c.index, c.id, c.arguments])).toEqual([
      [1, 'call_b', {}],
      [0, 'call_a', { q: 'rx' }],
      [0, 'call_c', { id: 7 }],
    ]);
  });

  it('should not end the stream on invalid arguments: the call carries a typed error from then on', () => {
    const events: ChatStreamEvent[] = [
      toolCallStart(0, 'call_bad', 'lookup'),
      toolCallDelta(0, '{"q": "a", '),
      toolCallDelta(0, 'nope'),
      toolCallDelta(0, '}'),
      toolCallEnd(0),
      toolCallStart(1, 'call_ok', 'now'),
      toolCallEnd(1),
    ];
    const seen: PartialToolCall[] = [];
    let completed = false;
    from(events)
      .pipe(partialToolCalls())
      .subscribe({ next: (c) => seen.push(c), complete: () => (completed = true) });
    expect(completed).toBe(true);
    expect(seen[1]!.error).toBeUndefined();
    const bad = seen[2]!;
    expect(isCohereToolArgumentsError(bad.error)).toBe(true);
    expect(bad.error!.message).toContain(
      'Tool call call_bad (lookup) has invalid arguments: not valid JSON (invalid at line 1, column 12)',
    );
    expect(isCohereJsonError(bad.error!.cause)).toBe(true);
    expect(bad.arguments).toEqual({ q: 'a' }); // what was parsed before the fault
    expect(seen[4]).toMatchObject({ done: true, argumentsText: '{"q": "a", nope}', arguments: { q: 'a' } });
    expect(seen[4]!.error).toBe(bad.error);
    expect(seen[6]).toEqual(call(1, 'call_ok', 'now', {}, '{}', true));
  });

  it('should flag arguments that are not a JSON object, or end early', () => {
    const run = (pieces: string[]) => {
      const seen: PartialToolCall[] = [];
      from([toolCallStart(0, 'c', 'f'), ...pieces.map((p) => toolCallDelta(0, p)), toolCallEnd(0)])
        .pipe(partialToolCalls())
        .subscribe((c) => seen.push(c));
      return seen[seen.length - 1]!;
    };
    expect(run(['[1]']).error?.message).toContain('not a JSON object');
    expect(run(['42']).error?.message).toContain('not a JSON object');
    expect(run(['{"a":']).error?.message).toContain('not valid JSON (incomplete');
    expect(run(['  ', '\n']).arguments).toEqual({});
    expect(run(['  ', '\n']).error).toBeUndefined();
  });

  it('should keep settled argument subtrees identical from one emission to the next', () => {
    const seen: PartialToolCall[] = [];
    from([
      toolCallStart(0, 'c', 'f'),
      toolCallDelta(0, '{"where": {"city": "Paris"}, "note": "su'),
      toolCallDelta(0, 'nny"}'),
      toolCallEnd(0),
    ])
      .pipe(partialToolCalls())
      .subscribe((c) => seen.push(c));
    expect(seen[2]!.arguments!['where']).toBe(seen[1]!.arguments!['where']);
    expect(seen[3]!.arguments).toBe(seen[2]!.arguments);
  });
});

describe('partialToolCalls (properties)', () => {
  it('should end each call with what toolCalls() + parseToolCallArguments() give, whatever the split', () => {
    const args = fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })).map((v) => JSON.stringify(v));
    fc.assert(
      fc.property(fc.array(fc.tuple(args, fc.array(fc.nat(), { maxLength: 8 })), { minLength: 1, maxLength: 3 }), (calls) => {
        const events: ChatStreamEvent[] = [messageStart('r')];
        calls.forEach(([text, cuts], i) => {
          events.push(toolCallStart(i, `call_${i}`, `f${i}`));
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          let at = 0;
          for (const p of [...points, text.length]) {
            if (p > at) events.push(toolCallDelta(i, text.slice(at, p)));
            at = Math.max(at, p);
          }
          events.push(toolCallEnd(i));
        });
        events.push(messageEnd('TOOL_CALL'));
        const done: PartialToolCall[] = [];
        from(events)
          .pipe(partialToolCalls())
          .subscribe((c) => c.done && done.push(c));
        const whole: unknown[] = [];
        from(events)
          .pipe(toolCalls())
          .subscribe((c) => whole.push(parseToolCallArguments(c)));
        expect(done.map((c) => c.arguments)).toStrictEqual(whole);
        expect(done.every((c) => c.error === undefined)).toBe(true);
      }),
      { seed: 0xc0ffee, numRuns: 150 },
    );
  });

  it('should complete with the last call done', async () => {
    const { lastValueFrom } = await import('rxjs');
    const lastCall = await lastValueFrom(from(['x', 'y', 'z', 'X'].map((k) => ev[k]!)).pipe(partialToolCalls(), last()));
    expect(lastCall.done).toBe(true);
    expect(await lastValueFrom(from(['x', 'X'].map((k) => ev[k]!)).pipe(partialToolCalls(), toArray()))).toHaveLength(2);
  });
});
