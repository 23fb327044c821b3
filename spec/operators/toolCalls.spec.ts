import { map } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { CohereToolArgumentsError, parseToolCallArguments, toolCalls, type ToolCall, type ChatStreamEvent } from '../../lib';
import { toolCallDelta, toolCallEnd, toolCallStart } from '../../lib/testing/events';
import { ev } from './events';

const callA: ToolCall = { id: 'call_a', type: 'function', function: { name: 'search', arguments: '{"q":"rx"}' } };
const callB: ToolCall = { id: 'call_b', type: 'function', function: { name: 'now', arguments: '{}' } };

describe('toolCalls', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit each call, complete, when its tool-call-end arrives', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-p-q-x-y-z-X-m-M-E-|', ev);
      const e1subs = '^--------------------!';
      const expected = '-------------A---B---|';
      expectObservable(e1.pipe(toolCalls())).toBe(expected, { A: callA, B: callB });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should forget a call left open when the next message starts (a tool loop)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      // message 1 is cut after x y (call 0 never ends); in message 2 a stray end of
      // call 0 (K) must not complete message 1's call, and a new call 0 is whole
      const e1 = cold('-x-y-s-K-x-y-z-X-|', ev);
      const e1subs = '^----------------!';
      const expected = '---------------A-|';
      expectObservable(e1.pipe(toolCalls())).toBe(expected, { A: callA });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should match interleaved calls by index', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      // call 1 starts and ends while call 0 is still streaming its arguments
      const e1 = cold('-x-y-m-M-z-X-|', ev);
      const expected = '-------B---A-|';
      expectObservable(e1.pipe(toolCalls())).toBe(expected, { A: callA, B: callB });
    });
  });

  it('should default a missing index to 0 and ignore unknown events and ends without a start', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('-K-n-k-d-K-|', ev);
      const expected = '---------A-|';
      const callK: ToolCall = { id: 'call_k', type: 'function', function: { name: 'k', arguments: '{}' } };
      expectObservable(e1.pipe(toolCalls())).toBe(expected, { A: callK });
    });
  });

  it('should keep state per subscription', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const calls$ = cold('-x-y-z-X-|', ev).pipe(toolCalls());
      expectObservable(calls$).toBe('-------A-|', { A: callA });
      expectObservable(calls$).toBe('-------A-|', { A: callA });
    });
  });

  it('should complete on empty, stay silent on never, forward errors after values, unsubscribe early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<ChatStreamEvent>('|').pipe(toolCalls())).toBe('|');
      expectObservable(cold<ChatStreamEvent>('-').pipe(toolCalls())).toBe('-');
      expectObservable(cold('-m-M-x-y-#', ev).pipe(toolCalls())).toBe('---B-----#', { B: callB });
      const e1 = cold('-x-y-z-X-|', ev);
      expectObservable(e1.pipe(toolCalls()), '----!').toBe('-----');
      expectSubscriptions(e1.subscriptions).toBe('^---!');
    });
  });

  it('should turn invalid arguments into a typed error naming the call, through parseToolCallArguments', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const bad = { a: toolCallStart(0, 'call_bad', 'lookup'), b: toolCallDelta(0, '{"q": nope'), c: toolCallEnd(0) };
      const e1 = cold('-a-b-c-|', bad);
      const parsed$ = e1.pipe(
        toolCalls(),
        map((call) => parseToolCallArguments(call)),
      );
      const error = new CohereToolArgumentsError(
        { id: 'call_bad', type: 'function', function: { name: 'lookup', arguments: '{"q": nope' } },
        'not valid JSON',
      );
      expectObservable(parsed$).toBe('-----#', undefined, error);
    });
  });
});

describe('parseToolCallArguments', () => {
  const call = (args: string): ToolCall => ({ id: 'c1', type: 'function', function: { name: 'f', arguments: args } });

  it('should parse a JSON object', () => {
    expect(parseToolCallArguments(call('{"city":"Paris","days":[1,2]}'))).toEqual({ city: 'Paris', days: [1, 2] });
  });

  it('should treat empty arguments as {}', () => {
    expect(parseToolCallArguments(call(''))).toEqual({});
    expect(parseToolCallArguments(call('  '))).toEqual({});
  });

  it('should name the call and quote the arguments in its error', () => {
    expect(() => parseToolCallArguments(call('{"city":'))).toThrow(CohereToolArgumentsError);
    expect(() => parseToolCallArguments(call('{"city":'))).toThrow(
      'Tool call c1 (f) has invalid arguments: not valid JSON: "{\\"city\\":"',
    );
    expect(() => parseToolCallArguments(call('[1]'))).toThrow('not a JSON object');
    expect(() => parseToolCallArguments(call('null'))).toThrow('not a JSON object');
  });
});
