import { argumentsOrEmptyObject } from '../internal/toolArguments';
import type { ToolCall } from '../types/common';
import type { ToolLoopEvent } from '../types/loop';

// The one place where tool calls are assembled from a stream (internal, not
// exported from the package). toolCalls(), partialToolCalls() and the message
// reducer behind accumulateMessage() and runTools$() all read tool-call
// events through it, so they cannot disagree on what a call is.

/** One tool call being assembled. Owned and changed by its tracker only. */
export interface TrackedCall<T> {
  /** The call's `index` in its message (0 when the events carry none). */
  readonly index: number;
  /** The call id (`''` when its `tool-call-start` gave none, or never came). */
  id: string;
  /** The function name (`''` when unknown). */
  name: string;
  /** The argument text so far; once `ended`, `'{}'` when there was none. */
  arguments: string;
  /** Its `tool-call-end` has arrived: nothing more is added to it. */
  ended: boolean;
  /** What the tracker's user keeps beside the call (a parser, …). */
  readonly data: T;
}

/**
 * Assembles the tool calls of a stream by `index`, one event at a time:
 *
 * - `tool-call-start` opens call `index` (0 when absent) with its id, name
 *   and any argument text it carries; a second start for the same index
 *   replaces the call;
 * - `tool-call-delta` appends its piece of argument text (an empty piece
 *   changes nothing); a delta without a start opens an anonymous call (no id,
 *   no name) rather than losing the text;
 * - `tool-call-end` closes the call, and no arguments (none, or only
 *   whitespace) become `'{}'`, the rule of `argumentsOrEmptyObject()`; events
 *   for a closed call, and an end without a call, change nothing;
 * - `message-start` forgets every call: each message has its own indexes.
 *
 * ```text
 * events:  s----x---y-----z------X----m---M--|
 * track(): -----A---A'----A''----A*---B---B*-|   (A*: ended, arguments y+z; B*: ended, '{}')
 * ```
 *
 * ## Example
 * Emit each call when it ends.
 * ```ts
 * const tracker = new ToolCallTracker(() => undefined);
 * const call = tracker.track(event);
 * if (call?.ended) subscriber.next(wireCallOf(call));
 * ```
 *
 * Mutable, O(1) per event (a map lookup and a string append, which V8 makes
 * cheap), so the operators that only read calls pay no copying; the message
 * reducer copies what it needs into its immutable snapshots.
 */
export class ToolCallTracker<T> {
  private readonly calls = new Map<number, TrackedCall<T>>();
  /** The call the last event was about: calls stream one after another, so it is usually the next one's too. */
  private last: TrackedCall<T> | undefined;
  private readonly init: (index: number) => T;
  /** The argument text the last tracked event added (`''` for a start without any, and for an end). */
  piece = '';

  /** @param init Makes the `data` of each new call (a parser, or `undefined`). */
  constructor(init: (index: number) => T) {
    this.init = init;
  }

  /**
   * Reads one event. Returns the call it changed, or `undefined` when it
   * changed none (any event that is not about a tool call, an empty piece,
   * an event for a closed call). `piece` then holds the text it added.
   */
  track(event: ToolLoopEvent): TrackedCall<T> | undefined {
    let call: TrackedCall<T> | undefined;
    switch (event.type) {
      case 'message-start':
        this.calls.clear();
        this.last = undefined;
        return undefined;
      case 'tool-call-start': {
        const start = event.delta?.message?.tool_calls;
        const first = start?.function?.arguments;
        call = this.open(event.index ?? 0, start?.id ?? '', start?.function?.name ?? '');
        call.arguments = this.piece = typeof first === 'string' ? first : '';
        return call;
      }
      case 'tool-call-delta': {
        const piece = event.delta?.message?.tool_calls?.function?.arguments;
        if (typeof piece !== 'string' || piece === '') return undefined;
        const index = event.index ?? 0;
        call = this.find(index) ?? this.open(index, '', '');
        if (call.ended) return undefined;
        call.arguments += piece;
        this.piece = piece;
        return call;
      }
      case 'tool-call-end':
        call = this.find(event.index ?? 0);
        if (!call || call.ended) return undefined;
        call.ended = true;
        call.arguments = argumentsOrEmptyObject(call.arguments);
        this.piece = '';
        return call;
      default:
        return undefined;
    }
  }

  private find(index: number): TrackedCall<T> | undefined {
    const last = this.last;
    if (last !== undefined && last.index === index) return last;
    const call = this.calls.get(index);
    if (call !== undefined) this.last = call;
    return call;
  }

  private open(index: number, id: string, name: string): TrackedCall<T> {
    const call: TrackedCall<T> = { index, id, name, arguments: '', ended: false, data: this.init(index) };
    this.calls.set(index, call);
    this.last = call;
    return call;
  }
}

/** A tracked call in the wire shape `{ id, type: 'function', function: { name, arguments } }` (a new object). */
export function wireCallOf(call: TrackedCall<unknown>): ToolCall {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
}
