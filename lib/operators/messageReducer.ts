import type { Citation, TextContent, ThinkingContent, ToolCall } from '../types/common';
import type { ToolLoopEvent } from '../types/loop';
import { citationOf } from './citationOf';
import type { ChatResponseSnapshot } from '../types/response';
import { ToolCallTracker, wireCallOf } from './toolCallTracker';

// The per-event logic of accumulateMessage(), as a reducer (internal, not
// exported from the package). runTools$() folds each model turn with it to
// get the step's response, so both read the stream the same way. Tool calls
// are assembled by the shared ToolCallTracker, as toolCalls() and
// partialToolCalls() assemble them.

type Block = TextContent | ThinkingContent;

/**
 * Content blocks or tool calls in the order of their wire `index` (which may
 * be sparse). Never changed in place: `put` returns a new one, whose `items`
 * array is new, so each snapshot keeps the array it was given.
 */
interface Placed<T> {
  readonly items: T[];
  readonly indexes: number[]; // ascending, one per item
}

/**
 * The message being assembled: a fold's accumulator, advanced once per event
 * (the tool-call tracker inside is shared by the states of one message and
 * changes as they advance, so an old state is not reused). Every change is a
 * new state with a new, immutable snapshot, built field by field (no object
 * spread: this runs once per token).
 */
export interface MessageState {
  /** The snapshot for this state; a new object for every new state. */
  readonly response: ChatResponseSnapshot;
  readonly id: string;
  readonly blocks: Placed<Block>;
  readonly plan: string;
  readonly tracker: ToolCallTracker<undefined>;
  readonly calls: Placed<ToolCall>;
  readonly citations: Citation[];
  readonly finishReason: ChatResponseSnapshot['finish_reason'];
  readonly usage: ChatResponseSnapshot['usage'];
}

/** Before any event: an empty message with no id (new arrays each time, never shared). */
export function initialMessageState(): MessageState {
  return startMessage('');
}

/**
 * The state after `event`. Returns `state` itself when the event changes
 * nothing (a `content-end`, a `debug`, a loop event, an unknown type, an empty
 * piece), so a caller emits only on a new state. A `message-start` begins a
 * fresh message, whatever came before. O(1) per event: appending to a string
 * is cheap in V8, and only the few-element arrays that change are copied.
 */
export function reduceMessage(state: MessageState, event: ToolLoopEvent): MessageState {
  const s = state;
  switch (event.type) {
    case 'message-start':
      return startMessage(event.id ?? '');
    case 'content-start': {
      const start = event.delta?.message?.content;
      const block: Block =
        start?.type === 'thinking' ? { type: 'thinking', thinking: start.thinking ?? '' } : { type: 'text', text: start?.text ?? '' };
      return next(s, s.id, put(s.blocks, event.index ?? 0, block), s.plan, s.calls, s.citations, s.finishReason, s.usage);
    }
    case 'content-delta': {
      const piece = event.delta?.message?.content;
      if (!piece) return s;
      const index = event.index ?? 0;
      const current = find(s.blocks, index);
      let block: Block;
      if (current?.type === 'thinking' || (!current && typeof piece.thinking === 'string')) {
        if (!piece.thinking) return s;
        block = { type: 'thinking', thinking: (current?.thinking ?? '') + piece.thinking };
      } else {
        if (!piece.text) return s;
        block = { type: 'text', text: (current?.text ?? '') + piece.text };
      }
      return next(s, s.id, put(s.blocks, index, block), s.plan, s.calls, s.citations, s.finishReason, s.usage);
    }
    case 'tool-plan-delta': {
      const piece = event.delta?.message?.tool_plan;
      if (!piece) return s;
      return next(s, s.id, s.blocks, s.plan + piece, s.calls, s.citations, s.finishReason, s.usage);
    }
    case 'tool-call-start':
    case 'tool-call-delta':
    case 'tool-call-end': {
      const call = s.tracker.track(event);
      // An end that leaves the arguments as they were (they were not empty) changes nothing visible.
      if (!call || (call.ended && find(s.calls, call.index)?.function.arguments === call.arguments)) return s;
      return next(s, s.id, s.blocks, s.plan, put(s.calls, call.index, wireCallOf(call)), s.citations, s.finishReason, s.usage);
    }
    case 'citation-start': {
      const citation = citationOf(event);
      if (!citation) return s;
      return next(s, s.id, s.blocks, s.plan, s.calls, [...s.citations, citation], s.finishReason, s.usage);
    }
    case 'message-end':
      // Always a new snapshot: the one with finish_reason and usage. The message keeps its identity.
      return next(
        s,
        s.id || (event.id ?? ''),
        s.blocks,
        s.plan,
        s.calls,
        s.citations,
        event.delta?.finish_reason ?? s.finishReason,
        event.delta?.usage ?? s.usage,
      );
    case 'content-end':
    case 'citation-end':
    case 'debug':
    case 'tool-result':
    case 'tool-approval-request':
    case 'step-end':
      return s;
    default:
      // A new known event type is a compile error here until it is handled
      // above; an unknown type at run time (a newer API) changes nothing.
      event satisfies never;
      return s;
  }
}

function startMessage(id: string): MessageState {
  const blocks: Placed<Block> = { items: [], indexes: [] };
  const calls: Placed<ToolCall> = { items: [], indexes: [] };
  return {
    response: { id, message: { role: 'assistant', content: blocks.items } },
    id,
    blocks,
    plan: '',
    tracker: new ToolCallTracker(() => undefined),
    calls,
    citations: [],
    finishReason: undefined,
    usage: undefined,
  };
}

/**
 * The next state. The message is rebuilt only when one of its parts changed
 * (else the snapshot keeps the previous message object); empty parts are left
 * out, as in a non-streaming response.
 */
function next(
  prev: MessageState,
  id: string,
  blocks: Placed<Block>,
  plan: string,
  calls: Placed<ToolCall>,
  citations: Citation[],
  finishReason: ChatResponseSnapshot['finish_reason'],
  usage: ChatResponseSnapshot['usage'],
): MessageState {
  let message = prev.response.message;
  if (blocks !== prev.blocks || plan !== prev.plan || calls !== prev.calls || citations !== prev.citations) {
    message = { role: 'assistant', content: blocks.items };
    if (plan !== '') message.tool_plan = plan;
    if (calls.items.length > 0) message.tool_calls = calls.items;
    if (citations.length > 0) message.citations = citations;
  }
  const response: ChatResponseSnapshot = { id, message };
  if (finishReason !== undefined) response.finish_reason = finishReason;
  if (usage !== undefined) response.usage = usage;
  return { response, id, blocks, plan, tracker: prev.tracker, calls, citations, finishReason, usage };
}

/** The item at wire `index`, if there is one. */
function find<T>(list: Placed<T>, index: number): T | undefined {
  const at = positionOf(list.indexes, index);
  return at >= 0 ? list.items[at] : undefined;
}

/** A copy of `list` with `item` at wire `index`, replacing or inserting in order. */
function put<T>(list: Placed<T>, index: number, item: T): Placed<T> {
  const at = positionOf(list.indexes, index);
  const items = list.items.slice();
  if (at >= 0) {
    items[at] = item;
    return { items, indexes: list.indexes };
  }
  items.splice(~at, 0, item);
  const indexes = list.indexes.slice();
  indexes.splice(~at, 0, index);
  return { items, indexes };
}

/**
 * Position of `index` in the ascending `indexes`, or `~insertionPoint` when absent.
 * Streams append at the end, so the last slot is checked first.
 */
function positionOf(indexes: number[], index: number): number {
  const n = indexes.length;
  if (n === 0) return ~0;
  const last = indexes[n - 1]!;
  if (last === index) return n - 1;
  if (last < index) return ~n;
  for (let i = 0; i < n; i++) {
    const value = indexes[i]!;
    if (value === index) return i;
    if (value > index) return ~i;
  }
  return ~n;
}
