import type { OperatorFunction } from 'rxjs';
import type { Citation, TextContent, ThinkingContent, ToolCall } from '../types/common';
import type { ChatStreamEvent } from '../types/events';
import type { ChatResponse, ChatResponseMessage } from '../types/response';
import { createOperator } from './createOperator';

type Block = TextContent | ThinkingContent;

/**
 * Emits the response so far, as an immutable snapshot, after each event that changes it.
 *
 * Each snapshot has the shape of a non-streaming v2 chat response:
 * `{ id, message: { role: 'assistant', content, tool_plan?, tool_calls?,
 * citations? }, finish_reason?, usage? }`, content blocks in `index` order.
 * `snapshot.message` can be appended to the next request's `messages` as it
 * is. Every emission is a new object; the parts an event did not touch keep
 * their identity (cheap for `OnPush` and `distinctUntilChanged`). The cost per
 * event does not grow with the length of the answer.
 *
 * ```text
 * source: --s--c--d--d--C--e--|   (s: message-start, c/C: content-start/end, d: deltas, e: message-end)
 * result: --a--b--x--y-----z--|   accumulateMessage()   (z: with finish_reason and usage)
 * ```
 *
 * ## Example
 * Keep the whole message, then send it back with the tool results.
 * ```ts
 * import { chatStream$, accumulateMessage } from 'cohere-rx';
 * import { last } from 'rxjs';
 *
 * chatStream$(request).pipe(accumulateMessage(), last()).subscribe((response) => {
 *   request.messages.push(response.message);
 * });
 * ```
 *
 * @see {@link textOnly} when only the text pieces matter.
 * @returns An operator from chat events to `ChatResponse` snapshots.
 */
export function accumulateMessage(): OperatorFunction<ChatStreamEvent, ChatResponse> {
  return createOperator((subscriber) => {
      let id = '';
      let blocks: Placed<Block> = { items: [], indexes: [] };
      let plan = '';
      let calls: Placed<ToolCall> = { items: [], indexes: [] };
      let citations: Citation[] = [];
      let message: ChatResponseMessage = { role: 'assistant', content: blocks.items };
      let finishReason: ChatResponse['finish_reason'];
      let usage: ChatResponse['usage'];

      const rebuildMessage = (): void => {
        message = { role: 'assistant', content: blocks.items };
        if (plan !== '') message.tool_plan = plan;
        if (calls.items.length > 0) message.tool_calls = calls.items;
        if (citations.length > 0) message.citations = citations;
      };
      const emit = (): void => {
        const response: ChatResponse = { id, message };
        if (finishReason !== undefined) response.finish_reason = finishReason;
        if (usage !== undefined) response.usage = usage;
        subscriber.next(response);
      };

      return {
        next: (event) => {
          switch (event.type) {
            case 'message-start': {
              id = event.id ?? id;
              break;
            }
            case 'content-start': {
              const start = event.delta?.message?.content;
              const block: Block =
                start?.type === 'thinking'
                  ? { type: 'thinking', thinking: start.thinking ?? '' }
                  : { type: 'text', text: start?.text ?? '' };
              blocks = put(blocks, event.index ?? 0, block);
              break;
            }
            case 'content-delta': {
              const piece = event.delta?.message?.content;
              if (!piece) return;
              const index = event.index ?? 0;
              const current = find(blocks, index);
              let block: Block;
              if (current?.type === 'thinking' || (!current && typeof piece.thinking === 'string')) {
                if (!piece.thinking) return;
                block = { type: 'thinking', thinking: ((current as ThinkingContent | undefined)?.thinking ?? '') + piece.thinking };
              } else {
                if (!piece.text) return;
                block = { type: 'text', text: ((current as TextContent | undefined)?.text ?? '') + piece.text };
              }
              // Appending is O(1) (V8 joins strings lazily); only the few-element
              // content array is copied, so the cost does not grow with the answer.
              blocks = put(blocks, index, block);
              break;
            }
            case 'tool-plan-delta': {
              const piece = event.delta?.message?.tool_plan;
              if (!piece) return;
              plan += piece;
              break;
            }
            case 'tool-call-start': {
              const start = event.delta?.message?.tool_calls;
              calls = put(calls, event.index ?? 0, {
                id: start?.id ?? '',
                type: 'function',
                function: { name: start?.function?.name ?? '', arguments: start?.function?.arguments ?? '' },
              });
              break;
            }
            case 'tool-call-delta': {
              const piece = event.delta?.message?.tool_calls?.function?.arguments;
              if (!piece) return;
              const index = event.index ?? 0;
              const base = find(calls, index) ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
              calls = put(calls, index, { ...base, function: { ...base.function, arguments: base.function.arguments + piece } });
              break;
            }
            case 'tool-call-end': {
              // A tool without parameters streams no arguments: '' means {}.
              const index = event.index ?? 0;
              const current = find(calls, index);
              if (!current || current.function.arguments !== '') return;
              calls = put(calls, index, { ...current, function: { ...current.function, arguments: '{}' } });
              break;
            }
            case 'citation-start': {
              const citation = event.delta?.message?.citations;
              if (!citation || typeof citation !== 'object') return;
              citations = [...citations, citation];
              break;
            }
            case 'message-end': {
              if (!id && event.id) id = event.id;
              finishReason = event.delta?.finish_reason ?? finishReason;
              usage = event.delta?.usage ?? usage;
              emit();
              return;
            }
            default:
              return; // content-end, citation-end, debug and unknown events change nothing
          }
          rebuildMessage();
          emit();
        },
      };
  });
}

/**
 * Content blocks or tool calls in the order of their wire `index` (which may
 * be sparse). Never changed in place: `put` returns a new one, whose `items`
 * array is new, so each snapshot keeps the array it was given.
 */
interface Placed<T> {
  readonly items: T[];
  readonly indexes: number[]; // ascending, one per item
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
