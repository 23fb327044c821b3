import type { AssistantToolCall, Citation, FinishReason, LogprobItem, TextContent, ThinkingContent, ToolCall, Usage } from './common';

/**
 * The assistant message of a non-streaming v2 chat response, as Cohere sends
 * it: a turn that only calls tools has no `content`. It is a valid
 * `AssistantMessage`, so it can go straight back into `messages`.
 */
export interface ChatResponseMessage {
  role: 'assistant';
  content?: (TextContent | ThinkingContent)[];
  tool_plan?: string;
  tool_calls?: AssistantToolCall[];
  citations?: Citation[];
}

/**
 * The body of a non-streaming v2 chat response (`POST /v2/chat` without
 * `stream`), as Cohere's API reference gives it. cohere-rx streams, so it
 * never produces one itself: `accumulateMessage()` builds a
 * {@link ChatResponseSnapshot}, which has the same shape while the answer is
 * still arriving.
 */
export interface ChatResponse {
  id: string;
  finish_reason: FinishReason;
  message: ChatResponseMessage;
  usage?: Usage;
  /** With `logprobs: true` in the request: one item per generated piece of text. */
  logprobs?: LogprobItem[];
}

/**
 * The message of a {@link ChatResponseSnapshot}: `content` is always there
 * (empty until a content block starts), and its tool calls are complete
 * {@link ToolCall}s. It is a valid `AssistantMessage` and a valid
 * `ChatResponseMessage`.
 */
export interface ChatResponseSnapshotMessage {
  role: 'assistant';
  content: (TextContent | ThinkingContent)[];
  tool_plan?: string;
  tool_calls?: ToolCall[];
  citations?: Citation[];
}

/**
 * What `accumulateMessage()` emits (and `step-end` carries as `response`):
 * the response so far, shaped like a non-streaming {@link ChatResponse}.
 * `finish_reason` and `usage` arrive with `message-end`, so they are absent
 * before it; `logprobs` stay on the `content-delta` events that carry them.
 * Once `finish_reason` is there, the snapshot is a valid `ChatResponse`.
 */
export interface ChatResponseSnapshot {
  id: string;
  message: ChatResponseSnapshotMessage;
  finish_reason?: FinishReason;
  usage?: Usage;
}
