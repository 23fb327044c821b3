import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { textOnly, type ToolCall, type ToolDefinition, type ToolLoopEvent } from '../../lib';
import { runToolCalls } from '../../lib/loop/runToolCalls';
import { contentStart, messageEnd, messageStart, textDelta } from '../../lib/testing/events';

// The tool phase of a step is pure RxJS once the calls are known: marble-test it.
const call = (id: string, name: string, args = '{}'): ToolCall => ({ id, type: 'function', function: { name, arguments: args } });
const a = call('call_a', 'slow');
const b = call('call_b', 'fast');

describe('runToolCalls (the tool phase of runTools$)', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should run the calls at once and emit each result as it finishes', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('----x|');
      const e2 = cold('-y-z|');
      const e1subs = '^----!';
      const e2subs = '^---!';
      const expected = '----B(A|)';
      const tools: Record<string, ToolDefinition> = { slow: { execute: () => e1 }, fast: { execute: () => e2 } };
      expectObservable(runToolCalls([a, b], 1, tools, Infinity)).toBe(expected, {
        B: { type: 'tool-result', step: 1, call: b, output: 'z' },
        A: { type: 'tool-result', step: 1, call: a, output: 'x' },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
      expectSubscriptions(e2.subscriptions).toBe(e2subs);
    });
  });

  it('should run one call at a time, in call order, with toolConcurrency 1', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('--x|');
      const e2 = cold('-y|');
      const e1subs = '^--!';
      const e2subs = '---^-!';
      const expected = '---A-(B|)';
      const tools: Record<string, ToolDefinition> = { slow: { execute: () => e1 }, fast: { execute: () => e2 } };
      expectObservable(runToolCalls([a, b], 2, tools, 1)).toBe(expected, {
        A: { type: 'tool-result', step: 2, call: a, output: 'x' },
        B: { type: 'tool-result', step: 2, call: b, output: 'y' },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
      expectSubscriptions(e2.subscriptions).toBe(e2subs);
    });
  });

  it('should turn an error, an empty tool and a synchronous value into results, never an error', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('--#', undefined, new Error('down'));
      const e2 = cold('---|');
      const c = call('call_c', 'value');
      const tools: Record<string, ToolDefinition> = {
        slow: { execute: () => e1 },
        fast: { execute: () => e2 },
        value: { execute: () => 42 },
      };
      expectObservable(runToolCalls([a, b, c], 1, tools, Infinity)).toBe('C-A(B|)', {
        C: { type: 'tool-result', step: 1, call: c, output: 42 },
        A: { type: 'tool-result', step: 1, call: a, error: new Error('down') },
        B: { type: 'tool-result', step: 1, call: b, output: undefined },
      });
    });
  });

  it('should unsubscribe running tools and abort their signal on early disposal', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-----x|');
      const e2 = cold('-y|');
      const unsub = '---!';
      const e1subs = '^--!';
      const signals: AbortSignal[] = [];
      const tools: Record<string, ToolDefinition> = {
        slow: { execute: (_args, { signal }) => (signals.push(signal), e1) },
        fast: { execute: (_args, { signal }) => (signals.push(signal), e2) },
      };
      expectObservable(runToolCalls([a, b], 1, tools, Infinity), unsub).toBe('--B', {
        B: { type: 'tool-result', step: 1, call: b, output: 'y' },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
      testScheduler.schedule(() => expect(signals.map((s) => s.aborted)).toEqual([true, false]), 4);
    });
  });

  it('should complete at once with no calls', () => {
    testScheduler.run(({ expectObservable }) => {
      expectObservable(runToolCalls([], 1, {}, Infinity)).toBe('|');
    });
  });
});

describe('operators over loop events', () => {
  it('should read the text of every step and skip tool-result and step-end', () => {
    const testScheduler = createTestScheduler();
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const response = { id: 'r', message: { role: 'assistant' as const, content: [] } };
      const values: Record<string, ToolLoopEvent> = {
        s: messageStart('r1'),
        c: contentStart(0),
        a: textDelta('Let me check. '),
        E: messageEnd('TOOL_CALL'),
        f: { type: 'tool-result', step: 1, call: a, output: { ok: true } },
        '1': { type: 'step-end', step: 1, response, toolResults: [], messages: [] },
        b: textDelta('Done.'),
        e: messageEnd('COMPLETE'),
        '2': { type: 'step-end', step: 2, response, toolResults: [], messages: [] },
      };
      const e1 = cold('-s-c-a-E-f-1-s-c-b-e-2-|', values);
      const e1subs = '^----------------------!';
      const expected = '-----A-----------B-----|';
      expectObservable(e1.pipe(textOnly())).toBe(expected, { A: 'Let me check. ', B: 'Done.' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });
});
