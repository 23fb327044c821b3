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
  /**
   * The loop paused here (no `approve`: the person is elsewhere, a browser
   * behind a relay): the calls waiting for a decision, each with its
   * `token`. `messages` then ends with the assistant's tool calls and the
   * results of those that ran; send it again with `approvals` to go on.
   * Absent when nothing waits.
   */
  pending?: PendingToolCall[];
}

/** What `approve` is asked: a call of step `step` that needs a person's yes, with its parsed (and validated) arguments. */
export interface ToolApprovalRequest {
  step: number;
  call: ToolCall;
  args: unknown;
}

/**
 * A call that waits for a person's decision across requests: its `token`
 * binds the call (id, tool name, exact arguments) to the server that paused
 * the loop; send it back in `approvals`.
 */
export interface PendingToolCall extends ToolApprovalRequest {
  token: string;
}

/**
 * A call needs a person's yes before it runs. Emitted before the loop
 * waits on `approve`; when the loop pauses instead (no `approve`), it
 * carries the `token` to send back in `approvals`.
 */
export interface ToolApprovalRequestEvent extends ToolApprovalRequest {
  type: 'tool-approval-request';
  /** Only when the loop pauses: what the decision must carry back. */
  token?: string;
}

/** A person's decision on one call, as `approve` gives it: denied, the model is told so (with the reason). */
export type ToolApproval = { approved: true } | { approved: false; reason?: string | undefined };

/**
 * A decision sent with the next request after a pause (`runTools$`'s
 * `approvals`; the `approvals` field of a relay's request body). `approved`
 * left out: still undecided, the loop pauses again with the same token.
 */
export interface ToolApprovalDecision {
  /** The id of the waiting call. */
  tool_call_id: string;
  /** `true` runs the call, `false` denies it; absent: still undecided. */
  approved?: boolean | undefined;
  /** Why it was denied: the model reads it. */
  reason?: string | undefined;
  /** The token of the call's `tool-approval-request`, as it came. */
  token?: string | undefined;
}

/**
 * Everything `runTools$()` emits: the wire events of every model turn, plus
 * `tool-result`, `tool-approval-request` and `step-end`. Every operator of cohere-rx accepts it.
 */
export type ToolLoopEvent = ChatStreamEvent | ToolResultEvent | ToolApprovalRequestEvent | StepEndEvent;
