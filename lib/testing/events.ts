// Event builders for marble tests of your own pipelines. They produce valid
// events in the exact wire shape `chatStream$()` emits. Small siblings, kept
// in one file on purpose: they are one vocabulary, read together.
import type {
  ChatStreamEvent,
  Citation,
  CitationEndEvent,
  CitationStartEvent,
  ContentDeltaEvent,
  ContentEndEvent,
  ContentStartEvent,
  FinishReason,
  MessageEndEvent,
  MessageStartEvent,
  ToolCallDeltaEvent,
  ToolCallEndEvent,
  ToolCallStartEvent,
  ToolPlanDeltaEvent,
  Usage,
} from 'cohere-rx';

/**
 * A `message-start` event.
 *
 * ## Example
 * ```ts
 * import { messageStart } from 'cohere-rx/testing';
 * const s = messageStart('resp-1');
 * ```
 * @param id The response id.
 * @returns The event.
 */
export function messageStart(id = 'test-response'): MessageStartEvent {
  return {
    id,
    type: 'message-start',
    delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
  };
}

/**
 * A `content-start` event opening a text or thinking block.
 *
 * ## Example
 * ```ts
 * import { contentStart } from 'cohere-rx/testing';
 * const c = contentStart(0, 'thinking');
 * ```
 * @param index The block index.
 * @param kind `'text'` (default) or `'thinking'`.
 * @returns The event.
 */
export function contentStart(index = 0, kind: 'text' | 'thinking' = 'text'): ContentStartEvent {
  const content = kind === 'thinking' ? { type: kind, thinking: '' } : { type: kind, text: '' };
  return { type: 'content-start', index, delta: { message: { content } } };
}

/**
 * A `content-delta` event with a piece of answer text.
 *
 * ## Example
 * ```ts
 * import { textDelta } from 'cohere-rx/testing';
 * const d = textDelta('Hello');
 * ```
 * @param text The piece of text.
 * @param index The block index.
 * @returns The event.
 */
export function textDelta(text: string, index = 0): ContentDeltaEvent {
  return { type: 'content-delta', index, delta: { message: { content: { text } } } };
}

/**
 * A `content-delta` event with a piece of reasoning.
 *
 * ## Example
 * ```ts
 * import { thinkingDelta } from 'cohere-rx/testing';
 * const t = thinkingDelta('Let me think');
 * ```
 * @param thinking The piece of thinking.
 * @param index The block index.
 * @returns The event.
 */
export function thinkingDelta(thinking: string, index = 0): ContentDeltaEvent {
  return { type: 'content-delta', index, delta: { message: { content: { thinking } } } };
}

/**
 * A `content-end` event.
 *
 * ## Example
 * ```ts
 * import { contentEnd } from 'cohere-rx/testing';
 * const C = contentEnd(0);
 * ```
 * @param index The block index.
 * @returns The event.
 */
export function contentEnd(index = 0): ContentEndEvent {
  return { type: 'content-end', index };
}

/**
 * A `tool-plan-delta` event.
 *
 * ## Example
 * ```ts
 * import { toolPlanDelta } from 'cohere-rx/testing';
 * const p = toolPlanDelta('I will look up the weather.');
 * ```
 * @param text The piece of the plan.
 * @returns The event.
 */
export function toolPlanDelta(text: string): ToolPlanDeltaEvent {
  return { type: 'tool-plan-delta', delta: { message: { tool_plan: text } } };
}

/**
 * A `tool-call-start` event.
 *
 * ## Example
 * ```ts
 * import { toolCallStart } from 'cohere-rx/testing';
 * const a = toolCallStart(0, 'call_1', 'get_weather');
 * ```
 * @param index The tool call index.
 * @param id The tool call id.
 * @param name The function name.
 * @returns The event.
 */
export function toolCallStart(index: number, id: string, name: string): ToolCallStartEvent {
  return {
    type: 'tool-call-start',
    index,
    delta: { message: { tool_calls: { id, type: 'function', function: { name, arguments: '' } } } },
  };
}

/**
 * A `tool-call-delta` event with a piece of the arguments' JSON.
 *
 * ## Example
 * ```ts
 * import { toolCallDelta } from 'cohere-rx/testing';
 * const x = toolCallDelta(0, '{"city":');
 * ```
 * @param index The tool call index.
 * @param argumentsPiece A piece of the JSON arguments.
 * @returns The event.
 */
export function toolCallDelta(index: number, argumentsPiece: string): ToolCallDeltaEvent {
  return { type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: argumentsPiece } } } } };
}

/**
 * A `tool-call-end` event.
 *
 * ## Example
 * ```ts
 * import { toolCallEnd } from 'cohere-rx/testing';
 * const A = toolCallEnd(0);
 * ```
 * @param index The tool call index.
 * @returns The event.
 */
export function toolCallEnd(index: number): ToolCallEndEvent {
  return { type: 'tool-call-end', index };
}

/**
 * A `citation-start` event.
 *
 * ## Example
 * ```ts
 * import { citationStart } from 'cohere-rx/testing';
 * const c = citationStart(0, { start: 0, end: 5, text: 'Paris', sources: [] });
 * ```
 * @param index The citation's number.
 * @param citation The citation.
 * @returns The event.
 */
export function citationStart(index: number, citation: Citation): CitationStartEvent {
  return { type: 'citation-start', index, delta: { message: { citations: citation } } };
}

/**
 * A `citation-end` event.
 *
 * ## Example
 * ```ts
 * import { citationEnd } from 'cohere-rx/testing';
 * const C = citationEnd(0);
 * ```
 * @param index The citation's number.
 * @returns The event.
 */
export function citationEnd(index: number): CitationEndEvent {
  return { type: 'citation-end', index };
}

/**
 * A `message-end` event.
 *
 * ## Example
 * ```ts
 * import { messageEnd } from 'cohere-rx/testing';
 * const e = messageEnd('COMPLETE', { tokens: { input_tokens: 3, output_tokens: 2 } });
 * ```
 * @param finishReason Why generation stopped.
 * @param usage Token usage, if any.
 * @param error The server's error text, for `ERROR`/`TIMEOUT`.
 * @returns The event.
 */
export function messageEnd(finishReason: FinishReason = 'COMPLETE', usage?: Usage, error?: string): MessageEndEvent {
  const delta: NonNullable<MessageEndEvent['delta']> = { finish_reason: finishReason };
  if (usage) delta.usage = usage;
  if (error !== undefined) delta.error = error;
  return { type: 'message-end', delta };
}

/**
 * Splits text into realistic tokens: words with their leading space, and
 * punctuation on its own, the way Cohere's deltas arrive.
 *
 * ## Example
 * ```ts
 * import { tokenize } from 'cohere-rx/testing';
 * tokenize('Hello, world!'); // ['Hello', ',', ' world', '!']
 * ```
 * @param text Any text.
 * @returns Pieces that join back to `text`.
 */
export function tokenize(text: string): string[] {
  return text.match(/\s*[\p{L}\p{N}_'’-]+|\s*[^\s\p{L}\p{N}_'’-]|\s+$/gu) ?? (text === '' ? [] : [text]);
}

/**
 * Turns a plain answer into the full event sequence Cohere would stream for it:
 * `message-start`, `content-start`, one `content-delta` per token,
 * `content-end`, `message-end` with usage.
 *
 * ## Example
 * Feed a pipeline the events of an answer.
 * ```ts
 * import { textOnly } from 'cohere-rx';
 * import { answerEvents } from 'cohere-rx/testing';
 * import { from, toArray } from 'rxjs';
 *
 * from(answerEvents('Hi there')).pipe(textOnly(), toArray()).subscribe(console.log); // ['Hi', ' there']
 * ```
 * @param text The answer.
 * @param options `id` of the response and `finishReason`.
 * @returns The events, in order.
 */
export function answerEvents(text: string, options: { id?: string; finishReason?: FinishReason } = {}): ChatStreamEvent[] {
  const tokens = tokenize(text);
  return [
    messageStart(options.id),
    contentStart(0),
    ...tokens.map((t) => textDelta(t)),
    contentEnd(0),
    messageEnd(options.finishReason ?? 'COMPLETE', {
      billed_units: { input_tokens: 10, output_tokens: tokens.length },
      tokens: { input_tokens: 60, output_tokens: tokens.length },
    }),
  ];
}

/**
 * Turns tool calls into the full event sequence of a tool-use turn:
 * `message-start`, the plan as `tool-plan-delta`s, then per call
 * `tool-call-start`, its arguments in two `tool-call-delta`s and
 * `tool-call-end`, and `message-end` with `TOOL_CALL`.
 *
 * ## Example
 * The first step of a scripted tool loop.
 * ```ts
 * import { toolCallEvents } from 'cohere-rx/testing';
 *
 * const turn = toolCallEvents([{ name: 'get_weather', arguments: { city: 'Paris' } }], { plan: 'I will check.' });
 * ```
 * @param calls Each call's `name`, `arguments` (an object, or the JSON text as sent; none streams no delta) and `id`.
 * @param options `id` of the response and the tool `plan`.
 * @returns The events, in order.
 */
export function toolCallEvents(
  calls: readonly { name: string; arguments?: object | string; id?: string }[],
  options: { id?: string; plan?: string } = {},
): ChatStreamEvent[] {
  const events: ChatStreamEvent[] = [messageStart(options.id)];
  for (const piece of tokenize(options.plan ?? 'I will use the tools.')) events.push(toolPlanDelta(piece));
  calls.forEach((call, index) => {
    events.push(toolCallStart(index, call.id ?? `${call.name}_${index}`, call.name));
    const text = call.arguments === undefined ? '' : typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
    const half = Math.ceil(text.length / 2);
    for (const piece of [text.slice(0, half), text.slice(half)]) if (piece !== '') events.push(toolCallDelta(index, piece));
    events.push(toolCallEnd(index));
  });
  events.push(
    messageEnd('TOOL_CALL', { billed_units: { input_tokens: 20, output_tokens: 10 }, tokens: { input_tokens: 90, output_tokens: 10 } }),
  );
  return events;
}
