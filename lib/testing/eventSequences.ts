// Whole-turn event sequences for tests, built from the one-event builders of
// events.ts: a plain answer (answerEvents), a tool-use turn (toolCallEvents),
// and the tokenizer that cuts their text into realistic deltas.
import type { ChatStreamEvent, FinishReason } from 'cohere-rx';
import {
  contentEnd,
  contentStart,
  messageEnd,
  messageStart,
  textDelta,
  toolCallDelta,
  toolCallEnd,
  toolCallStart,
  toolPlanDelta,
} from './events';

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
