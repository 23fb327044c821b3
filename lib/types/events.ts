import type { Citation, FinishReason, LogprobItem, TextContent, ThinkingContent, ToolCall, Usage } from './common';

// Every event is the JSON object of one SSE `data:` field, exactly as sent.
// Cohere documents all nested fields as optional in practice, so every field
// but `type` is optional here: read them with `?.`.

/** First event of a turn: the response id and the role. */
export interface MessageStartEvent {
  type: 'message-start';
  id?: string;
  delta?: {
    message?: {
      role?: 'assistant';
      content?: (TextContent | ThinkingContent)[];
      tool_plan?: string;
      tool_calls?: ToolCall[];
      citations?: Citation[];
    };
  };
}

/** Opens content block `index` (default 0) of kind `text` or `thinking`. */
export interface ContentStartEvent {
  type: 'content-start';
  index?: number;
  delta?: {
    message?: {
      content?: { type?: 'text' | 'thinking'; text?: string; thinking?: string };
    };
  };
}

/** A piece of answer text (`text`) or of reasoning (`thinking`) for block `index`. */
export interface ContentDeltaEvent {
  type: 'content-delta';
  index?: number;
  delta?: {
    message?: {
      content?: { text?: string; thinking?: string };
    };
  };
  logprobs?: LogprobItem;
}

/** Closes content block `index`. */
export interface ContentEndEvent {
  type: 'content-end';
  index?: number;
}

/** A piece of the model's tool plan (what it intends to do with tools). */
export interface ToolPlanDeltaEvent {
  type: 'tool-plan-delta';
  delta?: { message?: { tool_plan?: string } };
}

/** Opens tool call `index` with its id and function name; `arguments` is `""`. */
export interface ToolCallStartEvent {
  type: 'tool-call-start';
  index?: number;
  delta?: {
    message?: {
      tool_calls?: {
        id?: string;
        type?: 'function';
        function?: { name?: string; arguments?: string };
      };
    };
  };
}

/** A piece of the JSON arguments of tool call `index`. */
export interface ToolCallDeltaEvent {
  type: 'tool-call-delta';
  index?: number;
  delta?: {
    message?: { tool_calls?: { function?: { arguments?: string } } };
  };
}

/** Closes tool call `index`: its arguments are complete. */
export interface ToolCallEndEvent {
  type: 'tool-call-end';
  index?: number;
}

/** A citation. Its `index` counts citations; it is not a content-block index. */
export interface CitationStartEvent {
  type: 'citation-start';
  index?: number;
  delta?: { message?: { citations?: Citation } };
}

/** Closes citation `index`. */
export interface CitationEndEvent {
  type: 'citation-end';
  index?: number;
}

/** Last event of a turn: why it stopped, usage, and an error text for `ERROR`/`TIMEOUT`. */
export interface MessageEndEvent {
  type: 'message-end';
  id?: string;
  delta?: {
    finish_reason?: FinishReason;
    usage?: Usage;
    error?: string;
  };
}

/** Debug information (for example the rendered prompt), when requested. */
export interface DebugEvent {
  type: 'debug';
  prompt?: string;
}

/**
 * Every event of a v2 chat stream, discriminated on `type`.
 *
 * An event of a type this version does not know is still emitted as it
 * arrives; give your `switch (event.type)` a `default:` branch for it.
 */
export type ChatStreamEvent =
  | MessageStartEvent
  | ContentStartEvent
  | ContentDeltaEvent
  | ContentEndEvent
  | ToolPlanDeltaEvent
  | ToolCallStartEvent
  | ToolCallDeltaEvent
  | ToolCallEndEvent
  | CitationStartEvent
  | CitationEndEvent
  | MessageEndEvent
  | DebugEvent;

/** The `type` of every known event. */
export type ChatStreamEventType = ChatStreamEvent['type'];

/** The event whose `type` is `T`. */
export type ChatStreamEventOf<T extends ChatStreamEventType> = Extract<ChatStreamEvent, { type: T }>;
