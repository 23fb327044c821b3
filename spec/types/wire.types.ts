// Type tests of the wire types: compiled, never run (`npx tsc --noEmit -p .`
// and spec/types/wire.once.spec.ts compile it). Each `@ts-expect-error` line must
// fail to type-check: if a type loses its fix and accepts it again, the
// directive is unused, which is itself a compile error (TS2578).
import type {
  AssistantMessage,
  AssistantToolCall,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatResponseMessage,
  ChatResponseSnapshot,
  ChatResponseSnapshotMessage,
  ChatStreamEvent,
  StepEndEvent,
  Tool,
  ToolCall,
  UserMessage,
} from '../../lib';

/** Compiles only when `A` is assignable to `B`. */
export type Assignable<A extends B, B> = A;
/** `true` when `A` and `B` are the same type. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only for `true`. */
export type Holds<T extends true> = T;

const base = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] } satisfies ChatRequest;

// ---- citation_options.mode: every mode the API accepts, and nothing else --------------------------

export const citationModes: ChatRequest[] = (['ENABLED', 'DISABLED', 'FAST', 'ACCURATE', 'OFF'] as const).map((mode) => ({
  ...base,
  citation_options: { mode },
}));
export const enabled: ChatRequest = { ...base, citation_options: { mode: 'ENABLED' } };
export const disabled: ChatRequest = { ...base, citation_options: { mode: 'DISABLED' } };
// @ts-expect-error -- not a mode of the API
export const noSuchMode: ChatRequest = { ...base, citation_options: { mode: 'SOMETIMES' } };

// ---- a tool's function.parameters: required ------------------------------------------------------

export const toolWithParameters: Tool = { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } };
// @ts-expect-error -- the API rejects a tool without parameters
export const toolWithoutParameters: Tool = { type: 'function', function: { name: 'now', description: 'The time' } };

// ---- an input assistant message's tool_calls: as loose as the API allows ---------------------------

/** A stored call with only what the API requires (the SDK's `ToolCallV2` has no more). */
const bareCall: AssistantToolCall = { id: 'call_1', type: 'function' };
export const sentBack: AssistantMessage = {
  role: 'assistant',
  tool_plan: 'I will ask the clock.',
  tool_calls: [bareCall, { id: 'call_2', type: 'function', function: { name: 'now' } }, { id: 'call_3', type: 'function', function: {} }],
};
export const inRequest: ChatRequest = { ...base, messages: [...base.messages, sentBack] };
/** Every complete call (what toolCalls() emits) is one. */
export type CompleteCallsGoBack = Assignable<ToolCall, AssistantToolCall>;
// @ts-expect-error -- the id is required
export const callWithoutId: AssistantToolCall = { type: 'function', function: { name: 'now', arguments: '{}' } };
// @ts-expect-error -- a complete ToolCall (toolCalls()'s output) stays complete: its function is required
export const incompleteToolCall: ToolCall = { id: 'call_1', type: 'function' };

// ---- user content: text and images only --------------------------------------------------------------

export const withImage: UserMessage = {
  role: 'user',
  content: [
    { type: 'text', text: 'What is this?' },
    { type: 'image_url', image_url: { url: 'https://example.com/kite.png', detail: 'low' } },
  ],
};
// @ts-expect-error -- the API takes no document block in user content (documents go in `documents`, or in a tool message)
export const userDocument: UserMessage = { role: 'user', content: [{ type: 'document', document: { data: { title: 'x' } } }] };
export const toolDocument: ChatMessage = {
  role: 'tool',
  tool_call_id: 'call_1',
  content: [{ type: 'document', document: { data: { a: 1 } } }],
};
export const stringDocument: ChatMessage = {
  role: 'tool',
  tool_call_id: 'call_1',
  // @ts-expect-error -- a document's data is an object
  content: [{ type: 'document', document: { data: 'text' } }],
};

// ---- ChatResponse: the non-streaming response as sent ------------------------------------------------

export const toolCallOnly: ChatResponse = {
  id: 'r1',
  finish_reason: 'TOOL_CALL',
  message: { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'now', arguments: '{}' } }] },
};
export const withLogprobs: ChatResponse = {
  id: 'r2',
  finish_reason: 'COMPLETE',
  message: { role: 'assistant', content: [{ type: 'text', text: 'Hi' }] },
  logprobs: [{ text: 'Hi', token_ids: [1], logprobs: [-0.1] }],
};
// @ts-expect-error -- finish_reason is always there in a response
export const noFinishReason: ChatResponse = { id: 'r3', message: { role: 'assistant', content: [] } };
/** A response's message goes back into `messages` as it is. */
export type ResponseMessageGoesBack = Assignable<ChatResponseMessage, AssistantMessage>;

// ---- ChatResponseSnapshot: accumulateMessage()'s and step-end's own type -------------------------------

export type SnapshotIsItsOwnType = Holds<Equal<StepEndEvent['response'], ChatResponseSnapshot>>;
/** A snapshot's message goes back into `messages` as it is, and is a valid response message. */
export type SnapshotMessageGoesBack = Assignable<ChatResponseSnapshotMessage, AssistantMessage>;
export type SnapshotMessageIsAResponseMessage = Assignable<ChatResponseSnapshotMessage, ChatResponseMessage>;
/** Once message-end gave it a finish_reason, a snapshot is a response. */
export type FinishedSnapshotIsAResponse = Assignable<ChatResponseSnapshot & { finish_reason: ChatResponse['finish_reason'] }, ChatResponse>;
export const snapshotBeforeTheEnd: ChatResponseSnapshot = { id: 'r4', message: { role: 'assistant', content: [] } };
// @ts-expect-error -- a snapshot is not a response until its finish_reason arrived
export const snapshotAsResponse: ChatResponse = snapshotBeforeTheEnd;
// @ts-expect-error -- a snapshot's content is always there (an empty array before the first block)
export const snapshotWithoutContent: ChatResponseSnapshot = { id: 'r5', message: { role: 'assistant' } };

// ---- stream events: the union is closed over its known fields ---------------------------------------

export const liveStart: ChatStreamEvent = {
  id: 'm1',
  type: 'message-start',
  delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
};
// @ts-expect-error -- a field no event of this type has
export const misspelled: ChatStreamEvent = { type: 'content-delta', index: 0, delta: { message: { content: { txt: 'Hi' } } } };
