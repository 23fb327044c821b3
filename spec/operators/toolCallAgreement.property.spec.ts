// toolCalls(), partialToolCalls() and accumulateMessage() assemble tool calls
// through one tracker (lib/operators/toolCallTracker.ts). Whatever the
// interleaving, they must agree with each other and with what the model sent.
import fc from 'fast-check';
import { from, toArray } from 'rxjs';
import { accumulateMessage, partialToolCalls, toolCalls, type ChatStreamEvent, type PartialToolCall, type ToolCall } from '../../lib';
import {
  citationEnd,
  citationStart,
  contentStart,
  messageEnd,
  messageStart,
  textDelta,
  toolCallDelta,
  toolCallEnd,
  toolCallStart,
  toolPlanDelta,
} from '../../lib/testing/events';

/** One call as the model means it: its argument text (`''` or blanks: a call without arguments). */
interface Planned {
  index: number;
  id: string;
  name: string;
  text: string;
  /** Where the text is cut into delta pieces (positions, any order, duplicates allowed: empty pieces). */
  cuts: number[];
  /** Whether the `tool-call-start` itself carries the first piece (the API sends `""`; a proxy may not). */
  firstInStart: boolean;
}

const argumentText = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })), fc.nat({ max: 2 })) },
  { weight: 1, arbitrary: fc.constant(null) },
);

const plannedCall = (index: number): fc.Arbitrary<Planned> =>
  fc
    .record({
      args: argumentText,
      blank: fc.constantFrom('', ' ', '\n\t '),
      cuts: fc.array(fc.nat(), { maxLength: 8 }),
      firstInStart: fc.boolean(),
      name: fc.constantFrom('search', 'now', 'get_weather', 'send_email'),
    })
    .map(({ args, blank, cuts, firstInStart, name }) => ({
      index,
      id: `call_${index}_${name}`,
      name,
      text: args === null ? blank : JSON.stringify(args[0], null, args[1]),
      cuts,
      firstInStart,
    }));

/** The events of one call, in order: start, its pieces, end. */
function callEvents(call: Planned): ChatStreamEvent[] {
  const points = [0, ...call.cuts.map((c) => c % (call.text.length + 1)).sort((a, b) => a - b), call.text.length];
  const pieces = points.slice(1).map((end, i) => call.text.slice(points[i], end));
  const start = toolCallStart(call.index, call.id, call.name);
  if (call.firstInStart && pieces.length > 0) start.delta!.message!.tool_calls!.function!.arguments = pieces.shift()!;
  return [start, ...pieces.map((piece) => toolCallDelta(call.index, piece)), toolCallEnd(call.index)];
}

/** Events that are not about tool calls, to put between them. */
const noise = fc.constantFrom<ChatStreamEvent>(
  toolPlanDelta('I will look'),
  contentStart(0),
  textDelta('Hi', 0),
  citationStart(0, { start: 0, end: 2, text: 'Hi', sources: [] }),
  citationEnd(0),
  { type: 'debug', prompt: 'p' },
);

/** One message: its planned calls, and its events with the calls interleaved at random and noise between. */
const message = (n: number): fc.Arbitrary<{ calls: Planned[]; events: ChatStreamEvent[] }> =>
  fc
    .integer({ min: 1, max: 4 })
    .chain((count) =>
      fc.tuple(
        fc.tuple(...Array.from({ length: count }, (_, i) => plannedCall(i * 2 + (n % 2)))), // sparse indexes, as a proxy may send
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), noise), { maxLength: 6 }),
      ),
    )
    .map(([calls, picks, extra]) => {
      const queues = calls.map(callEvents);
      const events: ChatStreamEvent[] = [];
      let pick = 0;
      for (let left = queues.reduce((sum, q) => sum + q.length, 0); left > 0; left--) {
        const open = queues.filter((q) => q.length > 0);
        events.push(open[(picks[pick++ % picks.length] ?? 0) % open.length]!.shift()!);
      }
      for (const [at, event] of extra) events.splice(at % (events.length + 1), 0, event);
      return { calls, events: [messageStart(`msg_${n}`), ...events, messageEnd('TOOL_CALL')] };
    });

/** What every call must come to: its text, or `'{}'` for none. */
const expected = (call: Planned): ToolCall => ({
  id: call.id,
  type: 'function',
  function: { name: call.name, arguments: call.text.trim() === '' ? '{}' : call.text },
});

function run<T>(events: ChatStreamEvent[], op: () => import('rxjs').OperatorFunction<ChatStreamEvent, T>): T[] {
  let out: T[] = [];
  from(events)
    .pipe(op(), toArray())
    .subscribe((all) => (out = all));
  return out;
}

describe('tool-call assembly (toolCalls, partialToolCalls, accumulateMessage)', () => {
  it('should give the same calls from all three on any interleaving, in any number of messages', () => {
    fc.assert(
      fc.property(fc.tuple(message(0), message(1)), fc.boolean(), ([first, second], both) => {
        const messages = both ? [first, second] : [first];
        const events = messages.flatMap((m) => m.events);

        const complete = run(events, toolCalls);
        const done = run(events, partialToolCalls).filter((p: PartialToolCall) => p.done);
        const snapshots = run(events, accumulateMessage);

        // toolCalls() and partialToolCalls() give each call once, when it ends, in the same order.
        expect(done.map((p) => ({ id: p.id, type: 'function', function: { name: p.name, arguments: p.argumentsText } }))).toEqual(complete);
        // ... each exactly as the model meant it, and partialToolCalls() parsed it.
        const planned = messages.flatMap((m) => m.calls);
        expect([...complete].sort(byId)).toEqual(planned.map(expected).sort(byId));
        for (const p of done) {
          expect(p.error).toBeUndefined();
          expect(p.arguments).toEqual(JSON.parse(p.argumentsText));
        }
        // accumulateMessage(): each message's last snapshot holds its calls, in index order.
        for (const m of messages) {
          const last = lastOf(snapshots, m.events);
          const byIndex = [...m.calls].sort((a, b) => a.index - b.index);
          expect(last.message.tool_calls).toEqual(byIndex.map(expected));
        }
      }),
      { seed: 0x70011, numRuns: 300 },
    );
  });
});

function byId(a: ToolCall, b: ToolCall): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The last snapshot of the message whose events are `events` (its id is in its message-start). */
function lastOf<T extends { id: string }>(snapshots: T[], events: ChatStreamEvent[]): T {
  const id = (events[0] as { id?: string }).id;
  const mine = snapshots.filter((s) => s.id === id);
  if (mine.length === 0) throw new Error(`no snapshot of ${String(id)}`);
  return mine.at(-1)!;
}
