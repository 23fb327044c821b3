import type { Citation, TextContent, ThinkingContent, ToolCall } from '../types/common';
import type { ToolLoopEvent } from '../types/loop';
import type { ChatResponse, ChatResponseMessage } from '../types/response';

// The per-event logic of accumulateMessage(), as a pure reducer (internal,
// not exported from the package). runTools$() folds each model turn with it to
// get the step's response, so both read the stream the same way.

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

/** The message being assembled. Immutable: every change is a new state. */
export interface MessageState {
  /** The snapshot for this state; a new object for every new state. */
  readonly response: ChatResponse;
  readonly blocks: Placed<Block>;
  readonly calls: Placed<ToolCall>;
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
  switch (event.type) {
    case 'message-start':
      return startMessage(event.id ?? '');
    case 'content-start': {
      const start = event.delta?.message?.content;
      const block: Block =
        start?.type === 'thinking'
          ? { type: 'thinking', thinking: start.thinking ?? '' }
          : { type: 'text', text: start?.text ?? '' };
      return withBlocks(state, put(state.blocks, event.index ?? 0, block));
    }
    case 'content-delta': {
      const piece = event.delta?.message?.content;
      if (!piece) return state;
      const index = event.index ?? 0;
      const current = find(state.blocks, index);
      let block: Block;
      if (current?.type === 'thinking' || (!current && typeof piece.thinking === 'string')) {
        if (!piece.thinking) return state;
        block = { type: 'thinking', thinking: ((current as ThinkingContent | undefined)?.thinking ?? '') + piece.thinking };
      } else {
        if (!piece.text) return state;
        block = { type: 'text', text: ((current as TextContent | undefined)?.text ?? '') + piece.text };
      }
      return withBlocks(state, put(state.blocks, index, block));
    }
    case 'tool-plan-delta': {
      const piece = event.delta?.message?.tool_plan;
      if (!piece) return state;
      return withMessage(state, { ...state.response.message, tool_plan: (state.response.message.tool_plan ?? '') + piece });
    }
    case 'tool-call-start': {
      const start = event.delta?.message?.tool_calls;
      return withCalls(
        state,
        put(state.calls, event.index ?? 0, {
          id: start?.id ?? '',
          type: 'function',
          function: { name: start?.function?.name ?? '', arguments: start?.function?.arguments ?? '' },
        }),
      );
    }
    case 'tool-call-delta': {
      const piece = event.delta?.message?.tool_calls?.function?.arguments;
      if (!piece) return state;
      const index = event.index ?? 0;
      const base = find(state.calls, index) ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
      return withCalls(state, put(state.calls, index, { ...base, function: { ...base.function, arguments: base.function.arguments + piece } }));
    }
    case 'tool-call-end': {
      // A tool without parameters streams no arguments: '' means {}.
      const index = event.index ?? 0;
      const current = find(state.calls, index);
      if (!current || current.function.arguments !== '') return state;
      return withCalls(state, put(state.calls, index, { ...current, function: { ...current.function, arguments: '{}' } }));
    }
    case 'citation-start': {
      const citation = event.delta?.message?.citations;
      if (!citation || typeof citation !== 'object') return state;
      const citations: Citation[] = [...(state.response.message.citations ?? []), citation];
      return withMessage(state, { ...state.response.message, citations });
    }
    case 'message-end': {
      // A message-end always gives a new snapshot: it is the one with finish_reason and usage.
      const before = state.response;
      const response: ChatResponse = { id: before.id || (event.id ?? ''), message: before.message };
      const finishReason = event.delta?.finish_reason ?? before.finish_reason;
      const usage = event.delta?.usage ?? before.usage;
      if (finishReason !== undefined) response.finish_reason = finishReason;
      if (usage !== undefined) response.usage = usage;
      return { ...state, response };
    }
    case 'content-end':
    case 'citation-end':
    case 'debug':
    case 'tool-result':
    case 'step-end':
      return state;
    default:
      // A new known event type is a compile error here until it is handled
      // above; an unknown type at run time (a newer API) changes nothing.
      event satisfies never;
      return state;
  }
}

function startMessage(id: string): MessageState {
  const blocks: Placed<Block> = { items: [], indexes: [] };
  return { response: { id, message: { role: 'assistant', content: blocks.items } }, blocks, calls: { items: [], indexes: [] } };
}

/** A new state with `message`, keeping the response's other fields. */
function withMessage(state: MessageState, message: ChatResponseMessage, blocks = state.blocks, calls = state.calls): MessageState {
  return { response: { ...state.response, message }, blocks, calls };
}

function withBlocks(state: MessageState, blocks: Placed<Block>): MessageState {
  return withMessage(state, { ...state.response.message, content: blocks.items }, blocks);
}

function withCalls(state: MessageState, calls: Placed<ToolCall>): MessageState {
  return withMessage(state, { ...state.response.message, tool_calls: calls.items }, state.blocks, calls);
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
