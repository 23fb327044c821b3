// One-event builders for marble tests of your own pipelines: each returns one
// valid event in the exact wire shape `chatStream$()` emits. Small siblings,
// kept in one file on purpose: they are one vocabulary, read together. The
// whole-turn sequences built from them are in eventSequences.ts.
import type {
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
