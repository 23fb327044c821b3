import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { CohereApprovalError, isCohereApprovalError, type ToolApproval, type ToolCall, type ToolDefinition } from '../../lib';
import { runToolCalls, type ToolCallEvent } from '../../lib/loop/runToolCalls';

// The approval stage of a call (parse → validate → approve → execute) is pure
// RxJS once the calls are known: marble-test its timing. No crypto anywhere:
// tokens are made only when a loop pauses or resumes.
const call = (id: string, name: string, args = '{}'): ToolCall => ({ id, type: 'function', function: { name, arguments: args } });
const b = call('call_b', 'book', '{"hotel":"Ritz"}');
const w = call('call_w', 'weather', '{"city":"Paris"}');
const args = { hotel: 'Ritz' };
const yes: ToolApproval = { approved: true };
const no: ToolApproval = { approved: false, reason: 'too expensive' };

describe('runToolCalls with approval', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit the approval request, wait for the approval, then run the call', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('--a|', { a: yes });
      const e2 = cold('-x|');
      const e1subs = '^-!';
      const e2subs = '--^-!';
      const expected = 'Q---(R|)';
      const tools: Record<string, ToolDefinition> = { book: { needsApproval: true, execute: () => e2 } };
      const asked: unknown[] = [];
      expectObservable(runToolCalls([b], 1, tools, Infinity, undefined, { approve: (request) => (asked.push(request), e1) })).toBe(
        expected,
        {
          Q: { type: 'tool-approval-request', step: 1, call: b, args },
          R: { type: 'tool-result', step: 1, call: b, output: 'x' },
        },
      );
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
      expectSubscriptions(e2.subscriptions).toBe(e2subs);
      testScheduler.flush();
      expect(asked).toEqual([{ step: 1, call: b, args }]);
    });
  });

  it('should send a denial back as the result, with its reason, and never run the call', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('--d|', { d: no });
      const e2 = cold('-x|');
      const e1subs = '^-!';
      const expected = 'Q-(R|)';
      const tools: Record<string, ToolDefinition> = { book: { needsApproval: true, execute: () => e2 } };
      expectObservable(runToolCalls([b], 1, tools, Infinity, undefined, { approve: () => e1 })).toBe(expected, {
        Q: { type: 'tool-approval-request', step: 1, call: b, args },
        R: { type: 'tool-result', step: 1, call: b, error: new CohereApprovalError('denied', 'too expensive') },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
      expectSubscriptions(e2.subscriptions).toBe([]);
    });
  });

  it('should wait for a late approval while the other calls of the step run', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('--------a|', { a: yes });
      const e2 = cold('-x|');
      const e3 = cold('--y|');
      const e1subs = '^-------!';
      const e2subs = '--------^-!';
      const e3subs = '^--!';
      const expected = 'Q--W------(R|)';
      const tools: Record<string, ToolDefinition> = {
        book: { needsApproval: true, execute: () => e2 },
        weather: { execute: () => e3 },
      };
      expectObservable(runToolCalls([b, w], 1, tools, Infinity, undefined, { approve: () => e1 })).toBe(expected, {
        Q: { type: 'tool-approval-request', step: 1, call: b, args },
        W: { type: 'tool-result', step: 1, call: w, output: 'y' },
        R: { type: 'tool-result', step: 1, call: b, output: 'x' },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
      expectSubscriptions(e2.subscriptions).toBe(e2subs);
      expectSubscriptions(e3.subscriptions).toBe(e3subs);
    });
  });

  it('should unsubscribe from the approval when unsubscribed while waiting, and never run the call', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('------a|', { a: yes });
      const e2 = cold('-x|');
      const unsub = '---!';
      const e1subs = '^--!';
      const expected = 'Q---';
      const tools: Record<string, ToolDefinition> = { book: { needsApproval: true, execute: () => e2 } };
      expectObservable(runToolCalls([b], 1, tools, Infinity, undefined, { approve: () => e1 }), unsub).toBe(expected, {
        Q: { type: 'tool-approval-request', step: 1, call: b, args },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
      expectSubscriptions(e2.subscriptions).toBe([]);
    });
  });

  it('should make an approval that errors a denial saying the approval failed', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<ToolApproval>('--#', undefined, new Error('dialog crashed'));
      const e1subs = '^-!';
      const expected = 'Q-(R|)';
      const tools: Record<string, ToolDefinition> = { book: { needsApproval: true, execute: () => 'booked' } };
      expectObservable(runToolCalls([b], 1, tools, Infinity, undefined, { approve: () => e1 })).toBe(expected, {
        Q: { type: 'tool-approval-request', step: 1, call: b, args },
        R: { type: 'tool-result', step: 1, call: b, error: new CohereApprovalError('failed', 'approval failed: dialog crashed') },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should make an approval that completes empty a denial for want of a decision, never a hang', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<ToolApproval>('---|');
      const e1subs = '^--!';
      const expected = 'Q--(R|)';
      const tools: Record<string, ToolDefinition> = { book: { needsApproval: true, execute: () => 'booked' } };
      expectObservable(runToolCalls([b], 1, tools, Infinity, undefined, { approve: () => e1 })).toBe(expected, {
        Q: { type: 'tool-approval-request', step: 1, call: b, args },
        R: { type: 'tool-result', step: 1, call: b, error: new CohereApprovalError('no-decision') },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should make an approve that throws, or gives no decision object, a denial', () => {
    testScheduler.run(({ expectObservable }) => {
      const tools: Record<string, ToolDefinition> = { book: { needsApproval: true, execute: () => 'booked' } };
      const approve = (): never => {
        throw new Error('no dialog');
      };
      expectObservable(runToolCalls([b], 1, tools, Infinity, undefined, { approve })).toBe('(QR|)', {
        Q: { type: 'tool-approval-request', step: 1, call: b, args },
        R: { type: 'tool-result', step: 1, call: b, error: new CohereApprovalError('failed', 'approval failed: no dialog') },
      });
      expectObservable(
        runToolCalls([b], 1, tools, Infinity, undefined, { approve: () => [{ approved: 'yes' } as unknown as ToolApproval] }),
      ).toBe('(QR|)', {
        Q: { type: 'tool-approval-request', step: 1, call: b, args },
        R: { type: 'tool-result', step: 1, call: b, error: new CohereApprovalError('denied') },
      });
    });
  });

  it('should ask only when needsApproval says so (a function of the arguments, a value or an Observable)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const small = call('call_s', 'pay', '{"amount":5}');
      const large = call('call_l', 'pay', '{"amount":500}');
      const e1 = cold('-a|', { a: yes });
      const e1subs = '--^!';
      const e2 = cold('--t|', { t: true });
      const e2subs = '^-!';
      const tools: Record<string, ToolDefinition<{ amount: number }>> = {
        pay: {
          needsApproval: ({ amount }) => (amount > 100 ? e2 : false),
          execute: ({ amount }) => `paid ${amount}`,
        },
      };
      expectObservable(runToolCalls([small, large], 1, tools, Infinity, undefined, { approve: () => e1 })).toBe('S-Q(L|)', {
        S: { type: 'tool-result', step: 1, call: small, output: 'paid 5' },
        Q: { type: 'tool-approval-request', step: 1, call: large, args: { amount: 500 } },
        L: { type: 'tool-result', step: 1, call: large, output: 'paid 500' },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
      expectSubscriptions(e2.subscriptions).toBe(e2subs);
    });
  });

  it('should ask when needsApproval throws, errors or gives nothing (the safe side)', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const needs = [
        () => {
          throw new Error('x');
        },
        () => cold<boolean>('-#'),
        () => cold<boolean>('-|'),
      ];
      for (const needsApproval of needs) {
        const tools: Record<string, ToolDefinition> = { book: { needsApproval, execute: () => 'booked' } };
        expectObservable(runToolCalls([b], 1, tools, Infinity, undefined, { approve: () => cold('--d|', { d: no }) })).toBe(
          needsApproval === needs[0] ? 'Q-(R|)' : '-Q-(R|)',
          {
            Q: { type: 'tool-approval-request', step: 1, call: b, args },
            R: { type: 'tool-result', step: 1, call: b, error: new CohereApprovalError('denied', 'too expensive') },
          },
        );
      }
    });
  });

  it('should not ask about arguments that fail to parse', () => {
    testScheduler.run(({ cold, expectSubscriptions }) => {
      const bad = call('call_x', 'book', '[1,2]');
      const e1 = cold('-a|', { a: yes });
      const tools: Record<string, ToolDefinition> = { book: { needsApproval: true, execute: () => 'booked' } };
      const results: ToolCallEvent[] = [];
      runToolCalls([bad], 1, tools, Infinity, undefined, { approve: () => e1 }).subscribe((event) => results.push(event));
      testScheduler.flush();
      expectSubscriptions(e1.subscriptions).toBe([]);
      expect(results.map((r) => r.type)).toEqual(['tool-result']);
    });
  });

  it('should pause a call without approve: a pause mark, no result, nothing run', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e2 = cold('-x|');
      const e3 = cold('--y|');
      const tools: Record<string, ToolDefinition> = {
        book: { needsApproval: true, execute: () => e2 },
        weather: { execute: () => e3 },
      };
      expectObservable(runToolCalls([b, w], 1, tools, Infinity)).toBe('P--(W|)', {
        P: { type: 'tool-approval-pause', step: 1, call: b, args },
        W: { type: 'tool-result', step: 1, call: w, output: 'y' },
      });
      expectSubscriptions(e2.subscriptions).toBe([]);
    });
  });

  it('should run a call decided already without asking', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a|', { a: no });
      const tools: Record<string, ToolDefinition> = { book: { needsApproval: true, execute: () => 'booked' } };
      expectObservable(runToolCalls([b], 0, tools, Infinity, undefined, { approve: () => e1, approved: new Set([b]) })).toBe('(R|)', {
        R: { type: 'tool-result', step: 0, call: b, output: 'booked' },
      });
      expectSubscriptions(e1.subscriptions).toBe([]);
    });
  });

  it('should give the denial a typed error the guard knows', () => {
    const error = new CohereApprovalError('denied', 'no');
    expect(isCohereApprovalError(error)).toBe(true);
    expect(error.type).toBe('denied');
    expect(error.reason).toBe('no');
    expect(error.message).toBe('The user denied this tool call: no');
    expect(isCohereApprovalError({ name: 'CohereApprovalError', message: 'x' })).toBe(true);
    expect(new CohereApprovalError('used').message).toMatch(/\(used\)/);
  });
});
