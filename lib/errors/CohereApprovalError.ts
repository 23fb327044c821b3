import { CohereError, hasErrorName } from './CohereError';

/**
 * Why a call that needed a person's approval did not run:
 * - `denied`: the person said no (`reason`: theirs, if they gave one);
 * - `failed`: `approve` (or `needsApproval`) errored: `reason` is its message;
 * - `no-decision`: `approve` completed without a decision, or the request
 *   that resumed a paused loop carried none for the call;
 * - `missing-token`, `invalid-token`, `expired`, `used`: a decision sent
 *   after a pause without a token, with one that does not match the call
 *   (forged, or the arguments changed), past `approvalTtlMs`, or already
 *   spent (a token runs its call once).
 */
export type ApprovalFailure = 'denied' | 'failed' | 'no-decision' | 'missing-token' | 'invalid-token' | 'expired' | 'used';

const TEXT: Record<ApprovalFailure, string> = {
  denied: 'The user denied this tool call',
  failed: 'The approval of this tool call failed',
  'no-decision': 'No decision was made on this tool call (no-decision); it did not run',
  'missing-token': 'The approval carried no token (missing-token); the tool call did not run',
  'invalid-token': 'The approval token does not match this tool call (invalid-token); it did not run',
  expired: 'The approval token has expired (expired); the tool call did not run',
  used: 'The approval token was used already (used); the tool call did not run again',
};

/**
 * A tool call that needed a person's approval and did not run: the
 * `tool-result` event's `error`, whose message is what the model reads as
 * the call's result (the loop goes on). `type` says why; `reason` is the
 * person's reason for a denial, or what failed.
 *
 * ## Example
 * Show denials apart from failures.
 * ```ts
 * import { isCohereApprovalError, isToolResultEvent, runTools$ } from 'cohere-rx';
 *
 * runTools$(request, { tools, approve }).subscribe((event) => {
 *   if (isToolResultEvent(event) && 'error' in event && isCohereApprovalError(event.error) && event.error.type === 'denied') {
 *     console.log(`${event.call.function.name} denied: ${event.error.reason ?? 'no reason given'}`);
 *   }
 * });
 * ```
 */
export class CohereApprovalError extends CohereError {
  override readonly name = 'CohereApprovalError' as const;
  /** Why the call did not run. */
  readonly type: ApprovalFailure;
  /** The person's reason for a denial, or the message of what failed. */
  readonly reason: string | undefined;

  constructor(type: ApprovalFailure, reason?: string, options?: { cause?: unknown }) {
    const known = Object.prototype.hasOwnProperty.call(TEXT, type);
    const text = known ? TEXT[type] : TEXT.denied;
    super(reason ? `${text}: ${reason}` : text, options);
    this.type = known ? type : 'denied';
    this.reason = reason || undefined;
  }
}

/**
 * Whether `value` is a {@link CohereApprovalError}.
 *
 * ## Example
 * ```ts
 * import { isCohereApprovalError } from 'cohere-rx';
 * if (isCohereApprovalError(err)) console.log(err.type, err.reason);
 * ```
 * @param value Anything caught.
 * @returns `true` when it is a `CohereApprovalError`.
 */
export function isCohereApprovalError(value: unknown): value is CohereApprovalError {
  return hasErrorName(value, 'CohereApprovalError', CohereApprovalError);
}
