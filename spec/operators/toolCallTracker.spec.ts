// The rules of tool-call assembly (lib/operators/toolCallTracker.ts) for
// streams that bend them: each rule is checked through all three operators
// that assemble calls, so that they keep agreeing on odd input too.
import { from, toArray, type OperatorFunction } from 'rxjs';
import { accumulateMessage, partialToolCalls, toolCalls, type ChatStreamEvent, type ToolCall } from '../../lib';
import { messageEnd, messageStart, toolCallDelta, toolCallEnd, toolCallStart } from '../../lib/testing/events';

function run<T>(events: ChatStreamEvent[], op: OperatorFunction<ChatStreamEvent, T>): T[] {
  let out: T[] = [];
  from(events)
    .pipe(op, toArray())
    .subscribe((all) => (out = all));
  return out;
}

/** The calls each operator ends with: toolCalls()'s, partialToolCalls()'s done ones, and the last snapshot's. */
function assembled(events: ChatStreamEvent[]): { toolCalls: ToolCall[]; partial: ToolCall[]; snapshot: ToolCall[] } {
  const partial = run(events, partialToolCalls())
    .filter((p) => p.done)
    .map((p): ToolCall => ({ id: p.id, type: 'function', function: { name: p.name, arguments: p.argumentsText } }));
  return {
    toolCalls: run(events, toolCalls()),
    partial,
    snapshot: run(events, accumulateMessage()).at(-1)?.message.tool_calls ?? [],
  };
}

const call = (id: string, name: string, args: string): ToolCall => ({ id, type: 'function', function: { name, arguments: args } });

describe('tool-call assembly rules, the same in toolCalls, partialToolCalls and accumulateMessage', () => {
  it('should ignore pieces and ends that arrive after a call ended', () => {
    const events = [
      messageStart('m'),
      toolCallStart(0, 'c0', 'f'),
      toolCallDelta(0, '{"a":1}'),
      toolCallEnd(0),
      toolCallDelta(0, ',"late":true'),
      toolCallEnd(0),
      messageEnd('TOOL_CALL'),
    ];
    const whole = [call('c0', 'f', '{"a":1}')];
    expect(assembled(events)).toEqual({ toolCalls: whole, partial: whole, snapshot: whole });
  });

  it('should let a second start of the same index replace the call', () => {
    const events = [
      messageStart('m'),
      toolCallStart(0, 'c0', 'f'),
      toolCallDelta(0, '{"a":'),
      toolCallStart(0, 'c1', 'g'),
      toolCallDelta(0, '{"b":2}'),
      toolCallEnd(0),
      messageEnd('TOOL_CALL'),
    ];
    const whole = [call('c1', 'g', '{"b":2}')];
    expect(assembled(events)).toEqual({ toolCalls: whole, partial: whole, snapshot: whole });
  });

  it('should keep the text of pieces that come without a start, as a call with no id and no name', () => {
    const events = [messageStart('m'), toolCallDelta(3, '{"q":'), toolCallDelta(3, '"x"}'), toolCallEnd(3), messageEnd('TOOL_CALL')];
    const whole = [call('', '', '{"q":"x"}')];
    expect(assembled(events)).toEqual({ toolCalls: whole, partial: whole, snapshot: whole });
  });

  it("should read no arguments, or only whitespace, as '{}' when the call ends", () => {
    const events = [
      messageStart('m'),
      toolCallStart(0, 'c0', 'now'),
      toolCallEnd(0),
      toolCallStart(1, 'c1', 'today'),
      toolCallDelta(1, ' \n'),
      toolCallEnd(1),
      messageEnd('TOOL_CALL'),
    ];
    const whole = [call('c0', 'now', '{}'), call('c1', 'today', '{}')];
    expect(assembled(events)).toEqual({ toolCalls: whole, partial: whole, snapshot: whole });
  });
});
