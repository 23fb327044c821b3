// Our wire types against the official SDK's (cohere-ai 8.1.0, a dev
// dependency). The SDK's public types rename fields to camelCase; its
// serialization layer's `Raw` types are the wire JSON, snake_case, as Cohere's
// API definition gives it. They allow `null` wherever a field is optional
// (what a lenient JSON reader accepts), so `null` is taken out before
// comparing. Compiled, never run: by `npx tsc --noEmit -p .` and by
// spec/types/wire.once.spec.ts.
//
// The package's `exports` map hides its serialization folder, so it is reached
// by path.
import type * as Wire from '../../node_modules/cohere-ai/serialization';
// (not re-exported by the folder's index: the name is ambiguous there)
import type { V2ChatStreamResponse as S } from '../../node_modules/cohere-ai/serialization/resources/v2/types/V2ChatStreamResponse';
import type {
  AssistantMessage,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  CitationEndEvent,
  CitationStartEvent,
  ContentDeltaEvent,
  ContentEndEvent,
  ContentStartEvent,
  DebugEvent,
  MessageEndEvent,
  MessageStartEvent,
  Tool,
  ToolCallDeltaEvent,
  ToolCallEndEvent,
  ToolCallStartEvent,
  ToolPlanDeltaEvent,
} from '../../lib';
import type { Assignable, Equal, Holds } from './wire.types';

/** `T` without `null` anywhere in it (optional fields stay optional). */
type NoNull<T> = T extends null
  ? never
  : T extends readonly (infer U)[]
    ? NoNull<U>[]
    : T extends object
      ? { [K in keyof T]: NoNull<Exclude<T[K], null>> }
      : T;

/** `true` when `A` and `B` are assignable both ways (each use is also written out one way, for a readable error). */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** `true` when every field of `Sdk` is a field of `Ours` too. */
type HasAllFields<Ours, Sdk> = Exclude<keyof Sdk, keyof Ours> extends never ? true : false;

// ---- stream events: every event the SDK says the server sends is one of ours, with every field -------
// (One way: ours are looser on purpose, every field but `type` optional, as PROTOCOL.md says to read
// them; and the live message-start carries empty lists the SDK does not type.)

export type Events = [
  Assignable<NoNull<S.MessageStart>, MessageStartEvent>,
  Assignable<NoNull<S.ContentStart>, ContentStartEvent>,
  Assignable<NoNull<S.ContentDelta>, ContentDeltaEvent>,
  Assignable<NoNull<S.ContentEnd>, ContentEndEvent>,
  Assignable<NoNull<S.ToolPlanDelta>, ToolPlanDeltaEvent>,
  Assignable<NoNull<S.ToolCallStart>, ToolCallStartEvent>,
  Assignable<NoNull<S.ToolCallDelta>, ToolCallDeltaEvent>,
  Assignable<NoNull<S.ToolCallEnd>, ToolCallEndEvent>,
  Assignable<NoNull<S.CitationStart>, CitationStartEvent>,
  Assignable<NoNull<S.CitationEnd>, CitationEndEvent>,
  Assignable<NoNull<S.MessageEnd>, MessageEndEvent>,
  Assignable<NoNull<S.Debug>, DebugEvent>,
  Assignable<NoNull<S.Raw>, ChatStreamEvent>,
  Holds<Equal<S.Raw['type'], ChatStreamEvent['type']>>,
  Holds<HasAllFields<MessageStartEvent, S.MessageStart>>,
  Holds<HasAllFields<ContentDeltaEvent, S.ContentDelta>>,
  Holds<HasAllFields<MessageEndEvent, S.MessageEnd>>,
  Holds<HasAllFields<NonNullable<NonNullable<MessageEndEvent['delta']>['usage']>, Wire.Usage.Raw>>,
];

// ---- the request: all we accept, the API accepts; all it accepts, we type ------------------------------

type Request = Wire.V2ChatStreamRequest.Raw;
/** The SDK types a tool's `function` as optional; a tool without one can do nothing, so ours requires it. */
type SdkTool = NoNull<Wire.ToolV2.Raw> & { function: NoNull<Wire.ToolV2Function.Raw> };
export type Requests = [
  Assignable<Omit<ChatRequest, 'stream'>, Request>,
  Assignable<Omit<NoNull<Request>, 'tools'> & { tools?: SdkTool[] }, ChatRequest>,
  Holds<Equal<Exclude<keyof ChatRequest, 'stream'>, keyof Request>>,
  Holds<Mutual<NoNull<Wire.ChatMessageV2.Raw>, ChatMessage>>,
  Holds<Mutual<NoNull<Wire.ChatMessageV2.Assistant>, AssistantMessage>>,
  Holds<Mutual<SdkTool, Tool>>,
  Holds<Equal<NonNullable<ChatRequest['citation_options']>['mode'], Wire.CitationOptionsMode.Raw | undefined>>,
];

// ---- the non-streaming response: the same, field for field ---------------------------------------------

export type Responses = [
  Holds<Mutual<NoNull<Wire.V2ChatResponse.Raw>, ChatResponse>>,
  Holds<Equal<keyof ChatResponse, keyof Wire.V2ChatResponse.Raw>>,
  Holds<Equal<keyof ChatResponse['message'], keyof Wire.AssistantMessageResponse.Raw>>,
];
