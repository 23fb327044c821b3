/**
 * Shapes shared by requests, stream events and responses of Cohere's Chat API
 * v2, spelled exactly as on the wire (snake_case).
 */

/** Why generation stopped, as sent in `message-end`. */
export type FinishReason = 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL' | 'ERROR' | 'TIMEOUT';

/** Token accounting sent with `message-end`. Every field may be absent. */
export interface Usage {
  billed_units?: {
    input_tokens?: number;
    output_tokens?: number;
    search_units?: number;
    classifications?: number;
  };
  tokens?: {
    input_tokens?: number;
    output_tokens?: number;
  };
  cached_tokens?: number;
}

/**
 * A complete tool call in the wire shape, as cohere-rx assembles it from a
 * stream (`toolCalls()`, `accumulateMessage()`): every field is present, and
 * `arguments` is a JSON string (`'{}'` for a call without arguments).
 */
export interface ToolCall {
  id: string;
  type: 'function';
  function: {
    name: string;
    arguments: string;
  };
}

/**
 * A tool call as an assistant message holds it, in a request's `messages` or
 * in a non-streaming response: as loose as Cohere's API allows (only `id` and
 * `type` are required), so a message typed elsewhere (the official SDK's
 * `ToolCallV2`, a stored conversation) can be sent back as it is. Every
 * {@link ToolCall} is one.
 */
export interface AssistantToolCall {
  id: string;
  type: 'function';
  function?: {
    name?: string;
    arguments?: string;
  };
}

/** A citation source that points at a document given in the request. */
export interface DocumentSource {
  type: 'document';
  id?: string;
  document?: Record<string, unknown>;
}

/** A citation source that points at the output of a tool call. */
export interface ToolSource {
  type: 'tool';
  id?: string;
  tool_output?: Record<string, unknown>;
}

/** Where a cited span comes from. */
export type CitationSource = DocumentSource | ToolSource;

/** A span of generated text backed by sources. */
export interface Citation {
  /** Start offset (in characters) of the cited span in its content block. */
  start?: number;
  /** End offset (exclusive) of the cited span. */
  end?: number;
  /** The cited text itself. */
  text?: string;
  sources?: CitationSource[];
  /** Index of the content block the span belongs to. */
  content_index?: number;
  type?: 'TEXT_CONTENT' | 'THINKING_CONTENT' | 'PLAN';
}

/** A text content block. */
export interface TextContent {
  type: 'text';
  text: string;
}

/** A reasoning ("thinking") content block of a reasoning model. */
export interface ThinkingContent {
  type: 'thinking';
  thinking: string;
}

/** Log probabilities for one generated piece of text (request `logprobs: true`). */
export interface LogprobItem {
  text?: string;
  token_ids: number[];
  logprobs?: number[];
}
