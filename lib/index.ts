// The public surface of cohere-rx. Every export is listed by name.

// The factory
export { chatStream$ } from './stream/chatStream';
export type { ChatStreamOptions, FetchLike, FetchResponseLike, ResponseInfo } from './stream/options';
// A relay's generation again, from its stored id (after a reload)
export { resumeChat$ } from './stream/resumeChat';
export type { ResumeChatOptions } from './stream/resumeChat';
// The `telemetry` option's hooks (cohere-rx/telemetry's openTelemetry() implements them)
export type { ChatTrace, LoopTrace, Telemetry } from './internal/telemetry';

// Events: types and guards
export { isEventType } from './isEventType';
export type {
  ChatStreamEvent,
  ChatStreamEventOf,
  ChatStreamEventType,
  CitationEndEvent,
  CitationStartEvent,
  ContentDeltaEvent,
  ContentEndEvent,
  ContentStartEvent,
  DebugEvent,
  MessageEndEvent,
  MessageStartEvent,
  ToolCallDeltaEvent,
  ToolCallEndEvent,
  ToolCallStartEvent,
  ToolPlanDeltaEvent,
} from './types/events';
export type {
  Citation,
  CitationSource,
  DocumentSource,
  FinishReason,
  LogprobItem,
  TextContent,
  ThinkingContent,
  ToolCall,
  AssistantToolCall,
  ToolSource,
  Usage,
} from './types/common';
export type {
  AssistantMessage,
  ChatDocument,
  ChatMessage,
  ChatRequest,
  DocumentContent,
  ImageUrlContent,
  SystemMessage,
  Tool,
  ToolMessage,
  UserMessage,
} from './types/request';
export type { ChatResponse, ChatResponseMessage, ChatResponseSnapshot, ChatResponseSnapshotMessage } from './types/response';

// Errors and their guards
export { CohereError, isCohereError } from './errors/CohereError';
export type { CohereErrorName } from './errors/CohereError';
export { CohereApiError, isCohereApiError } from './errors/CohereApiError';
export { CohereConnectionError, isCohereConnectionError } from './errors/CohereConnectionError';
export { CohereContentTypeError, isCohereContentTypeError } from './errors/CohereContentTypeError';
export { CohereParseError, isCohereParseError } from './errors/CohereParseError';
export { CohereIncompleteStreamError, isCohereIncompleteStreamError } from './errors/CohereIncompleteStreamError';
export { CohereTimeoutError, isCohereTimeoutError } from './errors/CohereTimeoutError';
export { CohereGenerationError, isCohereGenerationError } from './errors/CohereGenerationError';
export { CohereAbortError, isCohereAbortError } from './errors/CohereAbortError';
export { CohereToolArgumentsError, isCohereToolArgumentsError } from './errors/CohereToolArgumentsError';
export { CohereConfigError, isCohereConfigError } from './errors/CohereConfigError';

// Operators
export { textOnly } from './operators/textOnly';
export { thinkingOnly } from './operators/thinkingOnly';
export { toolPlan } from './operators/toolPlan';
export { accumulateMessage } from './operators/accumulateMessage';
export { collectCitations } from './operators/collectCitations';
export { toolCalls } from './operators/toolCalls';
export { parseToolCallArguments } from './parseToolCallArguments';
export { usage } from './operators/usage';

// UI operators: partial JSON previews and smoothed text
export { partialJson } from './operators/partialJson';
export { partialToolCalls } from './operators/partialToolCalls';
export type { PartialToolCall } from './operators/partialToolCalls';
export { smoothText } from './operators/smoothText';
export type { SmoothTextOptions } from './operators/smoothText';
export { CohereJsonError, isCohereJsonError } from './errors/CohereJsonError';

// Tool loop
export { runTools$ } from './loop/runTools';
export type { RunToolsOptions } from './loop/runTools';
export { defineTool } from './loop/defineTool';
export type { ToolContext, ToolDefinition } from './loop/defineTool';
export { isToolResultEvent } from './loop/isToolResultEvent';
export { isStepEndEvent } from './loop/isStepEndEvent';
export type { StepEndEvent, ToolLoopEvent, ToolResultEvent } from './types/loop';
export { CohereMaxStepsError, isCohereMaxStepsError } from './errors/CohereMaxStepsError';

// Typed tools and structured output (Standard Schema: zod, valibot, arktype…; types only)
export type { SchemaToolDefinition } from './loop/defineTool';
export { responseFormat } from './responseFormat';
export { structured } from './operators/structured';
export type { StructuredAnswer } from './operators/structured';
export type { DeepPartial, StandardSchemaWithJsonSchema } from './types/schema';
export { CohereValidationError, isCohereValidationError } from './errors/CohereValidationError';

// People in the loop: tool approval
export type { PendingToolCall, ToolApproval, ToolApprovalDecision, ToolApprovalRequest, ToolApprovalRequestEvent } from './types/loop';
export { CohereApprovalError, isCohereApprovalError } from './errors/CohereApprovalError';
export type { ApprovalFailure } from './errors/CohereApprovalError';

// Deliberately not exported:
// export { pieces } from './operators/pieces';        // internal body of textOnly/thinkingOnly/toolPlan; use map/filter for your own
// export { hasErrorName } from './errors/CohereError'; // internal; use the is…Error guards
// export { reduceMessage } from './operators/messageReducer'; // internal body of accumulateMessage and runTools$; use accumulateMessage()
// export { ToolCallTracker } from './operators/toolCallTracker'; // internal: tool-call assembly shared by toolCalls, partialToolCalls and the reducer
// The replay server and event builders live in the `cohere-rx/testing` entry point, so apps never bundle them.
