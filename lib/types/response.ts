import type { Citation, FinishReason, TextContent, ThinkingContent, ToolCall, Usage } from './common';

/**
 * The assistant message of a response, as `accumulateMessage()` builds it.
 * It is a valid `AssistantMessage`, so it can go straight back into `messages`.
 */
export interface ChatResponseMessage {
  role: 'assistant';
  content: (TextContent | ThinkingContent)[];
  tool_plan?: string;
  tool_calls?: ToolCall[];
  citations?: Citation[];
}

/** The shape of a non-streaming v2 chat response. */
export interface ChatResponse {
  id: string;
  message: ChatResponseMessage;
  finish_reason?: FinishReason;
  usage?: Usage;
}
