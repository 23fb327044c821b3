import type { ToolCall } from './common';
import type { ChatStreamEvent } from './events';
import type { ChatMessage, ToolMessage } from './request';
import type { ChatResponseSnapshot } from './response';

// The events `runTools$()` adds to the wire events of its model turns. Their
// `type`s are not Cohere's (Cohere's are the twelve of `ChatStreamEvent`), so
// a `switch (event.type)` tells them apart without guessing.

/**
 * A tool call of step `step` has finished: with its `output`, or with the
 * `error` it failed with (also an unknown tool name, arguments that are not a
 * JSON object: `CohereToolArgumentsError`, or that fail the tool's `input`
 * schema: `CohereValidationError`). Exactly one of the two is present; test
 * with `'error' in event`. Emitted in the order the calls finish.
 */
export type ToolResultEvent =
  | { type: 'tool-result'; step: number; call: ToolCall; output: unknown }
  | { type: 'tool-result'; step: number; call: ToolCall; error: unknown };

/**
 * Step `step` is over: `response` is the model turn's final
 * `accumulateMessage()` snapshot, `toolResults` the tool messages sent back
 * (in call order; empty after the last step), and `messages` the whole
 * conversation so far, ready for the user's next message.
 */
export interface StepEndEvent {
  type: 'step-end';
  step: number;
  response: ChatResponseSnapshot;
  toolResults: ToolMessage[];
  messages: ChatMessage[];
}

/**
 * Everything `runTools$()` emits: the wire events of every model turn, plus
 * `tool-result` and `step-end`. Every operator of cohere-rx accepts it.
 */
export type ToolLoopEvent = ChatStreamEvent | ToolResultEvent | StepEndEvent;
