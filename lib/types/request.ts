import type { AssistantToolCall, Citation, TextContent, ThinkingContent } from './common';

/** An image given to a vision model. */
export interface ImageUrlContent {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

/**
 * A document in a tool message's content (what `runTools$()` sends back for a
 * tool's output, so that the model can cite it). `data` is an object.
 */
export interface DocumentContent {
  type: 'document';
  document: { id?: string; data: Record<string, unknown> };
}

/** A system (preamble) message. */
export interface SystemMessage {
  role: 'system';
  content: string | TextContent[];
}

/**
 * A message from the user: text, or text and images. (Documents go in the
 * request's `documents`, or in a tool message.)
 */
export interface UserMessage {
  role: 'user';
  content: string | (TextContent | ImageUrlContent)[];
}

/**
 * A message from the model, as a request sends it back. As loose as the API
 * allows: an `accumulateMessage()` snapshot's `message`, a non-streaming
 * response's `message` and the official SDK's assistant messages all fit, so
 * a finished turn can be appended to the next request's `messages` as it is.
 */
export interface AssistantMessage {
  role: 'assistant';
  content?: string | (TextContent | ThinkingContent)[];
  tool_plan?: string;
  tool_calls?: AssistantToolCall[];
  citations?: Citation[];
}

/** The result of one tool call, sent back to the model. */
export interface ToolMessage {
  role: 'tool';
  tool_call_id: string;
  content: string | (TextContent | DocumentContent)[];
}

/** Any message of a v2 chat conversation. */
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/**
 * A function the model may call. `parameters` is a JSON Schema object and is
 * required by the API: a function without arguments sends
 * `{ type: 'object', properties: {} }`.
 */
export interface Tool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters: Record<string, unknown>;
  };
}

/** A document for retrieval-augmented generation: a string, or `{ id?, data }`. */
export type ChatDocument = string | { id?: string; data: Record<string, unknown> };

/**
 * The body of `POST /v2/chat`, as Cohere's HTTP API documents it (snake_case).
 * `chatStream$()` adds `stream: true`; fields this type does not name are sent
 * as they are (cast, or build the object in a variable first).
 */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: Tool[];
  documents?: ChatDocument[];
  /**
   * How citations are generated: `ENABLED` (the default, for models that
   * cite) or `DISABLED`; `FAST`, `ACCURATE` and `OFF` are the older names the
   * API still accepts (some models support only some of them).
   */
  citation_options?: { mode?: 'ENABLED' | 'DISABLED' | 'FAST' | 'ACCURATE' | 'OFF' };
  response_format?: { type: 'text' } | { type: 'json_object'; json_schema?: Record<string, unknown> };
  safety_mode?: 'CONTEXTUAL' | 'STRICT' | 'OFF';
  max_tokens?: number;
  stop_sequences?: string[];
  temperature?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  k?: number;
  p?: number;
  logprobs?: boolean;
  tool_choice?: 'REQUIRED' | 'NONE';
  strict_tools?: boolean;
  thinking?: { type: 'enabled' | 'disabled'; token_budget?: number };
  priority?: number;
  /** Always sent as `true` by `chatStream$()`; setting it has no effect. */
  stream?: true;
}
