import { from, last, lastValueFrom } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { accumulateMessage, type ChatResponseSnapshot, type ChatStreamEvent } from '../../lib';
import { contentEnd, contentStart, messageEnd, messageStart, textDelta } from '../../lib/testing/events';
import { cite1, cite2, ev, usageOfTurn } from './events';

const text = (t: string) => ({ type: 'text' as const, text: t });
const thinking = (t: string) => ({ type: 'thinking' as const, thinking: t });
const snap = (message: Partial<ChatResponseSnapshot['message']>, extra: Partial<ChatResponseSnapshot> = {}): ChatResponseSnapshot => ({
  id: 'resp-1',
  message: { role: 'assistant', content: [], ...message },
  ...extra,
});

function collectSync(events: ChatStreamEvent[]): ChatResponseSnapshot[] {
  const out: ChatResponseSnapshot[] = [];
  from(events)
    .pipe(accumulateMessage())
    .subscribe((s) => out.push(s));
  return out;
}

describe('accumulateMessage', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = createTestScheduler();
  });

  it('should emit a snapshot after each event that changes the message', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-s-c-a-b-C-e-|', ev);
      const e1subs = '^------------!';
      const expected = '-1-2-3-4---5-|';
      expectObservable(e1.pipe(accumulateMessage())).toBe(expected, {
        1: snap({}),
        2: snap({ content: [text('')] }),
        3: snap({ content: [text('He')] }),
        4: snap({ content: [text('Hello')] }),
        5: snap({ content: [text('Hello')] }, { finish_reason: 'COMPLETE', usage: usageOfTurn }),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should place thinking and text blocks by index, and collect citations', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('-s-t-h-i-T-c-a-r-R-b-u-U-C-e-|', ev);
      const expected = '-1-2-3-4---5-6-7---8-9-----0-|';
      const both = [thinking('Hmm ok'), text('Hello')];
      expectObservable(e1.pipe(accumulateMessage())).toBe(expected, {
        1: snap({}),
        2: snap({ content: [thinking('')] }),
        3: snap({ content: [thinking('Hmm')] }),
        4: snap({ content: [thinking('Hmm ok')] }),
        5: snap({ content: [thinking('Hmm ok'), text('')] }),
        6: snap({ content: [thinking('Hmm ok'), text('He')] }),
        7: snap({ content: [thinking('Hmm ok'), text('He')], citations: [cite1] }),
        8: snap({ content: both, citations: [cite1] }),
        9: snap({ content: both, citations: [cite1, cite2] }),
        0: snap({ content: both, citations: [cite1, cite2] }, { finish_reason: 'COMPLETE', usage: usageOfTurn }),
      });
    });
  });

  it('should build the tool plan and the tool calls of a tool-use turn', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const e1 = cold('-s-p-q-x-y-z-X-m-M-E-|', ev);
      const expected = '-1-2-3-4-5-6---7-8-9-|';
      const plan = 'I will search';
      const a = (args: string) => ({ id: 'call_a', type: 'function' as const, function: { name: 'search', arguments: args } });
      const b = (args: string) => ({ id: 'call_b', type: 'function' as const, function: { name: 'now', arguments: args } });
      expectObservable(e1.pipe(accumulateMessage())).toBe(expected, {
        1: snap({}),
        2: snap({ tool_plan: 'I will' }),
        3: snap({ tool_plan: plan }),
        4: snap({ tool_plan: plan, tool_calls: [a('')] }),
        5: snap({ tool_plan: plan, tool_calls: [a('{"q":')] }),
        6: snap({ tool_plan: plan, tool_calls: [a('{"q":"rx"}')] }),
        7: snap({ tool_plan: plan, tool_calls: [a('{"q":"rx"}'), b('')] }),
        // a call with no arguments ends with '{}', ready to send back
        8: snap({ tool_plan: plan, tool_calls: [a('{"q":"rx"}'), b('{}')] }),
        9: snap({ tool_plan: plan, tool_calls: [a('{"q":"rx"}'), b('{}')] }, { finish_reason: 'TOOL_CALL' }),
      });
    });
  });

  it('should tolerate missing indexes and fields, and ignore unknown and debug events', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      // O: content-start with no index and no content; w: delta with no index; o: empty delta
      const e1 = cold('-n-O-d-w-o-0-|', ev);
      const expected = '---1---2---3-|';
      expectObservable(e1.pipe(accumulateMessage())).toBe(expected, {
        1: { id: '', message: { role: 'assistant', content: [text('')] } },
        2: { id: '', message: { role: 'assistant', content: [text('bare')] } },
        3: { id: '', message: { role: 'assistant', content: [text('bare')] } },
      });
    });
  });

  it('should open a block for a delta that arrives without its content-start', () => {
    const out = collectSync([messageStart('r'), textDelta('late', 2), contentStart(0), textDelta('first', 0)]);
    expect(out[out.length - 1]!.message.content).toEqual([text('first'), text('late')]);
  });

  it('should complete on empty, stay silent on never, forward errors after values, unsubscribe early', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<ChatStreamEvent>('|').pipe(accumulateMessage())).toBe('|');
      expectObservable(cold<ChatStreamEvent>('-').pipe(accumulateMessage())).toBe('-');
      expectObservable(cold('-s-#', ev).pipe(accumulateMessage())).toBe('-1-#', { 1: snap({}) });
      const e1 = cold('-s-c-a-|', ev);
      expectObservable(e1.pipe(accumulateMessage()), '--!').toBe('-1-', { 1: snap({}) });
      expectSubscriptions(e1.subscriptions).toBe('^-!');
    });
  });

  it('should emit a new object each time and keep the identity of untouched parts', () => {
    const events = [ev['s']!, ev['x']!, ev['y']!, ev['z']!, ev['X']!, ev['r']!, ev['c']!, ev['a']!, ev['b']!, ev['e']!];
    const out = collectSync(events);
    for (let i = 1; i < out.length; i++) expect(out[i]).not.toBe(out[i - 1]);
    const [, , , callsDone, withCitation, withBlock, he, hello, end] = out;
    // a text delta leaves the tool calls and citations arrays as they were
    expect(he!.message.tool_calls).toBe(callsDone!.message.tool_calls);
    expect(hello!.message.tool_calls).toBe(callsDone!.message.tool_calls);
    expect(hello!.message.citations).toBe(withCitation!.message.citations);
    // a citation leaves the content array as it was
    expect(withCitation!.message.content).toBe(callsDone!.message.content);
    // message-end changes only the top level
    expect(end!.message).toBe(hello!.message);
    // earlier snapshots were never mutated
    expect(withBlock!.message.content).toEqual([text('')]);
    expect(he!.message.content).toEqual([text('He')]);
  });

  it('should give a message that can go straight back into messages', () => {
    const [final] = collectSync([ev['s']!, ev['p']!, ev['x']!, ev['y']!, ev['z']!, ev['X']!, ev['E']!]).slice(-1);
    const next = { model: 'command-a-03-2025', messages: [{ role: 'user' as const, content: 'find rx' }, final!.message] };
    expect(JSON.parse(JSON.stringify(next.messages[1]))).toEqual({
      role: 'assistant',
      content: [],
      tool_plan: 'I will',
      tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'search', arguments: '{"q":"rx"}' } }],
    });
  });

  it('should start a fresh snapshot at every message-start (a source of several messages)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      // first message: a tool call (x y z X) ending TOOL_CALL; second: text, with its own id
      const e1 = cold('-s-x-y-z-X-E-S-c-a-e-|', { ...ev, S: messageStart('resp-2') });
      const e1subs = '^--------------------!';
      const expected = '-1-2-3-4---5-6-7-8-9-|';
      const call = (args: string) => ({ id: 'call_a', type: 'function' as const, function: { name: 'search', arguments: args } });
      const second = (message: Partial<ChatResponseSnapshot['message']>, extra: Partial<ChatResponseSnapshot> = {}) => ({
        ...snap(message, extra),
        id: 'resp-2',
      });
      expectObservable(e1.pipe(accumulateMessage())).toBe(expected, {
        1: snap({}),
        2: snap({ tool_calls: [call('')] }),
        3: snap({ tool_calls: [call('{"q":')] }),
        4: snap({ tool_calls: [call('{"q":"rx"}')] }),
        5: snap({ tool_calls: [call('{"q":"rx"}')] }, { finish_reason: 'TOOL_CALL' }),
        // nothing of the first message: no tool calls, no finish_reason
        6: second({}),
        7: second({ content: [text('')] }),
        8: second({ content: [text('He')] }),
        9: second({ content: [text('He')] }, { finish_reason: 'COMPLETE', usage: usageOfTurn }),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('should ignore the loop events of runTools$ (tool-result, step-end)', () => {
    const call = { id: 'c', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
    const loopEvents = [
      { type: 'tool-result' as const, step: 1, call, output: 1 },
      { type: 'step-end' as const, step: 1, response: snap({}), toolResults: [], messages: [] },
    ];
    const out: ChatResponseSnapshot[] = [];
    from([messageStart('resp-1'), ...loopEvents, contentStart(0)])
      .pipe(accumulateMessage())
      .subscribe((s) => out.push(s));
    expect(out).toEqual([snap({}), snap({ content: [text('')] })]);
  });

  // Correctness at scale, not timing: 100 000 deltas, the exact text at the end.
  it('should assemble 100 000 deltas exactly', async () => {
    const pieces = ['Hello', ' wörld', ' 日本', ' 🦀', ',', ' ok'];
    const events: ChatStreamEvent[] = [messageStart('big'), contentStart(0)];
    let expectedText = '';
    for (let i = 0; i < 100_000; i++) {
      const piece = `${pieces[i % pieces.length]}${i % 997 === 0 ? i : ''}`;
      expectedText += piece;
      events.push(textDelta(piece));
    }
    events.push(contentEnd(0), messageEnd('COMPLETE'));
    const final = await lastValueFrom(from(events).pipe(accumulateMessage(), last()));
    const block = final.message.content[0];
    expect(block?.type).toBe('text');
    expect(block?.type === 'text' && block.text === expectedText).toBe(true);
    expect(final.finish_reason).toBe('COMPLETE');
  });
});
