import { Observable, type OperatorFunction } from 'rxjs';
import type { Citation, TextContent, ThinkingContent, ToolCall } from '../types/common';
import type { ChatStreamEvent } from '../types/events';
import type { ChatResponse, ChatResponseMessage } from '../types/response';

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
  return (source) =>
    new Observable<ChatResponse>((subscriber) => {
      let id = '';
      let content: Block[] = [];
      let contentIndexes: number[] = []; // the wire `index` of each block, ascending
      let plan = '';
      let calls: ToolCall[] = [];
      let callIndexes: number[] = [];
      let citations: Citation[] = [];
      let message: ChatResponseMessage = { role: 'assistant', content };
      let response: ChatResponse = { id, message };

      const rebuildMessage = (): void => {
        if (plan === '' && calls.length === 0 && citations.length === 0) {
          message = { role: 'assistant', content }; // a plain answer: one object shape
          return;
        }
        message = { role: 'assistant', content };
        if (plan !== '') message.tool_plan = plan;
        if (calls.length > 0) message.tool_calls = calls;
        if (citations.length > 0) message.citations = citations;
      };
      const emit = (): void => {
        const next: ChatResponse = { id, message };
        if (response.finish_reason !== undefined) next.finish_reason = response.finish_reason;
        if (response.usage !== undefined) next.usage = response.usage;
        response = next;
        subscriber.next(response);
      };

      /** Replaces the block at wire `index`, or inserts it in index order. */
      const putBlock = (index: number, block: Block): void => {
        const at = positionOf(contentIndexes, index);
        content = content.slice();
        if (at >= 0) content[at] = block;
        else {
          const insertAt = ~at;
          content.splice(insertAt, 0, block);
          contentIndexes = contentIndexes.slice();
          contentIndexes.splice(insertAt, 0, index);
        }
      };
      const putCall = (index: number, call: ToolCall): void => {
        const at = positionOf(callIndexes, index);
        calls = calls.slice();
        if (at >= 0) calls[at] = call;
        else {
          const insertAt = ~at;
          calls.splice(insertAt, 0, call);
          callIndexes = callIndexes.slice();
          callIndexes.splice(insertAt, 0, index);
        }
      };

      return source.subscribe({
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
              putBlock(event.index ?? 0, block);
              break;
            }
            case 'content-delta': {
              const piece = event.delta?.message?.content;
              if (!piece) return;
              const index = event.index ?? 0;
              const at = positionOf(contentIndexes, index);
              const current = at >= 0 ? content[at] : undefined;
              let block: Block;
              if (current?.type === 'thinking' || (!current && typeof piece.thinking === 'string')) {
                if (!piece.thinking) return;
                block = { type: 'thinking', thinking: ((current as ThinkingContent | undefined)?.thinking ?? '') + piece.thinking };
              } else {
                if (!piece.text) return;
                block = { type: 'text', text: ((current as TextContent | undefined)?.text ?? '') + piece.text };
              }
              // The hot path: a delta to a block that exists. Appending is O(1) (V8 joins
              // strings lazily); only the few-element content array is copied.
              if (at >= 0) {
                content = content.slice();
                content[at] = block;
              } else putBlock(index, block);
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
              putCall(event.index ?? 0, {
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
              const current = calls[positionOf(callIndexes, index)];
              const base = current ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
              putCall(index, { ...base, function: { ...base.function, arguments: base.function.arguments + piece } });
              break;
            }
            case 'tool-call-end': {
              // A tool without parameters streams no arguments: '' means {}.
              const index = event.index ?? 0;
              const current = calls[positionOf(callIndexes, index)];
              if (!current || current.function.arguments !== '') return;
              putCall(index, { ...current, function: { ...current.function, arguments: '{}' } });
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
              const reason = event.delta?.finish_reason;
              const used = event.delta?.usage;
              response = { ...response };
              if (reason !== undefined) response.finish_reason = reason;
              if (used !== undefined) response.usage = used;
              emit();
              return;
            }
            default:
              return; // content-end, citation-end, debug and unknown events change nothing
          }
          rebuildMessage();
          emit();
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
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
