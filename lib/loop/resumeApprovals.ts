import { CohereApprovalError } from '../errors/CohereApprovalError';
import { parseToolCallArguments } from '../parseToolCallArguments';
import type { ToolCall } from '../types/common';
import type { ToolApprovalDecision } from '../types/loop';
import type { ChatMessage } from '../types/request';
import type { ChatResponseSnapshot } from '../types/response';
import type { TokenSigner } from './approvalTokens';

// Resuming a paused loop (internal to runTools$): the calls the conversation
// leaves waiting, and what the decisions sent for them allow.

/** The decision on one waiting call, once its token is checked. */
export type Settlement =
  { call: ToolCall; run: true } | { call: ToolCall; error: CohereApprovalError } | { call: ToolCall; token: string; args: unknown }; // still undecided: pauses again, same token

/**
 * The calls of the conversation's last assistant message that have no tool
 * result after it, when only tool messages follow it (a paused loop's
 * `messages`). None otherwise: the conversation does not end in a pause.
 */
export function waitingCalls(messages: readonly ChatMessage[]): { calls: ToolCall[]; response: ChatResponseSnapshot } | undefined {
  let i = messages.length - 1;
  const answered = new Set<unknown>();
  for (; i >= 0 && messages[i]?.role === 'tool'; i--) answered.add((messages[i] as { tool_call_id?: unknown }).tool_call_id);
  const last = messages[i];
  if (last?.role !== 'assistant' || !Array.isArray(last.tool_calls)) return undefined;
  const calls = last.tool_calls.filter((call) => call && typeof call.id === 'string' && !answered.has(call.id)) as ToolCall[];
  if (calls.length === 0) return undefined;
  // The step-end of a pause at step 0 reports the assistant turn it resumed.
  const response: ChatResponseSnapshot = {
    id: '',
    finish_reason: 'TOOL_CALL',
    message: { role: 'assistant', content: [], tool_calls: last.tool_calls as ToolCall[] },
  };
  return { calls, response };
}

/**
 * What may happen to `call`, by the decision sent for it: nothing without
 * one (`no-decision`), nor without a token that this server issued for this
 * very call (id, tool name, exact arguments, owner) and that is still valid
 * (`missing-token`, `invalid-token`, `expired`). A decision spends its token
 * (`claim`): a second use is `used`. Only then is an approval a run, and a
 * denial a denial; no decision (`approved` absent) pauses again.
 */
export async function settle(
  call: ToolCall,
  approvals: readonly ToolApprovalDecision[],
  signer: TokenSigner,
  claim: (token: string, ttlMs: number) => boolean | PromiseLike<boolean>,
): Promise<Settlement> {
  const refuse = (type: ConstructorParameters<typeof CohereApprovalError>[0], reason?: string): Settlement => ({
    call,
    error: new CohereApprovalError(type, reason),
  });
  // Own entries only, the first for this id: a crafted prototype decides nothing.
  const entry = approvals.find(
    (decision) => Object.prototype.hasOwnProperty.call(decision, 'tool_call_id') && decision.tool_call_id === call.id,
  );
  if (!entry) return refuse('no-decision');
  const token = entry.token;
  if (typeof token !== 'string' || token === '') return refuse('missing-token');
  const now = Date.now();
  const checked = await signer.check(token, call, now);
  if (!checked.ok) return refuse(checked.failure);
  if (entry.approved === undefined) return { call, token, args: argumentsOf(call) };
  let fresh: boolean;
  try {
    fresh = await claim(token, checked.expiresAt - now);
  } catch {
    // Fixed words: the store's error (a host, a port) is not the model's nor the page's to read.
    return refuse('failed', 'approval failed: the used-token store failed');
  }
  if (!fresh) return refuse('used');
  if (entry.approved === true) return { call, run: true };
  return refuse('denied', typeof entry.reason === 'string' ? entry.reason : undefined);
}

/** The arguments of a call, parsed, for its approval request (the text itself if it is not a JSON object). */
export function argumentsOf(call: ToolCall): unknown {
  try {
    return parseToolCallArguments<Record<string, unknown>>(call);
  } catch {
    return call.function.arguments;
  }
}
