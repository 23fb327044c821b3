import { CohereConfigError, type ToolApprovalDecision, type ToolDefinition } from 'cohere-rx';
import { APPROVAL_HOOKS, approvalsProblem, type ApprovalHooks } from '../internal/approval';

// Tool approval across the relay (docs/tools.md, "Approval"): the options,
// checked when the handler is made; the `approvals` of a request, lifted out
// of its body before `prepare` (so a `prepare` that rebuilds the body cannot
// drop them, and they never go upstream); and what the loop gets to pause
// and resume.

/** The approval options of `createChatHandler`. */
export interface RelayApprovalOptions {
  /**
   * The secret the relay signs its approval tokens with (HMAC-SHA-256, 32
   * characters or more; the same on every instance behind one URL).
   * Required when a tool `needsApproval`: the loop then pauses at such a
   * call and the browser decides. Checked when the handler is made.
   */
  approvalSecret?: string | undefined;
  /**
   * How long the browser has to decide, in ms from the pause. Checked when
   * the handler is made.
   * @default 600000 (10 minutes)
   */
  approvalTtlMs?: number | undefined;
  /**
   * The owner of each request (a user id from your session), to bind the
   * tokens of its pauses to: a token issued for one user is invalid for
   * another. `undefined`: tokens are bound to nothing but the call.
   * @default the handler's `owner`, when it has one
   */
  approvalOwner?: ((request: Request) => string | undefined | Promise<string | undefined>) | undefined;
  /**
   * Spends a token once: resolves `true` the first time, `false` after (for
   * at least `ttlMs`). Several relay instances need one shared store for
   * this (Redis: `SET approval:<token> 1 NX PX <ttlMs>`), else a replayed
   * approval can run once per instance.
   * @default the handler's `store` (its `claim`, shared by every instance on
   *   Redis), else a memory of this process
   */
  claimApproval?: ((token: string, ttlMs: number) => boolean | PromiseLike<boolean>) | undefined;
}

/** What the handler does with approvals. */
export interface RelayApprovals {
  /** Takes `approvals` out of the body: the decisions, or what is wrong with them (a 400). */
  lift(body: Record<string, unknown>): { approvals?: ToolApprovalDecision[] } | { error: string };
  /** The loop's approval options for one request. */
  loopOptions(request: Request, approvals: ToolApprovalDecision[] | undefined): Promise<Record<string | symbol, unknown>>;
}

const MIN_SECRET_LENGTH = 32;

/**
 * The relay's approvals, from its options (a `CohereConfigError` at set-up
 * for one that can never work, or for a tool that needs approval with no
 * `approvalSecret`).
 */
export function relayApprovals(options: RelayApprovalOptions, tools: Record<string, ToolDefinition> | undefined): RelayApprovals {
  const { approvalSecret, approvalTtlMs, approvalOwner, claimApproval } = options;
  const needed = !!tools && Object.values(tools).some((tool) => !!(tool as Partial<ToolDefinition> | undefined)?.needsApproval);
  if (approvalSecret !== undefined || needed) {
    if (typeof approvalSecret !== 'string' || approvalSecret.length < MIN_SECRET_LENGTH) {
      const why = needed ? 'a tool needs approval, so the relay pauses for it: ' : '';
      throw new CohereConfigError('approvalSecret', `${why}expected a secret string of ${MIN_SECRET_LENGTH} characters or more`);
    }
  }
  if (approvalTtlMs !== undefined && !(Number.isSafeInteger(approvalTtlMs) && approvalTtlMs >= 1)) {
    throw new CohereConfigError('approvalTtlMs', `expected whole milliseconds, 1 or more, got ${String(approvalTtlMs)}`);
  }
  if (approvalOwner !== undefined && typeof approvalOwner !== 'function')
    throw new CohereConfigError('approvalOwner', 'expected a function');
  if (claimApproval !== undefined && typeof claimApproval !== 'function')
    throw new CohereConfigError('claimApproval', 'expected a function');

  return {
    lift(body) {
      if (!Object.prototype.hasOwnProperty.call(body, 'approvals')) return {};
      const value = body['approvals'];
      delete body['approvals'];
      if (!tools || approvalSecret === undefined) {
        return { error: 'invalid request: this relay runs no tools that wait for approval; a request must not carry `approvals`' };
      }
      const problem = approvalsProblem(value);
      return problem ? { error: `invalid request: ${problem}` } : { approvals: value as ToolApprovalDecision[] };
    },
    async loopOptions(request, approvals) {
      if (approvalSecret === undefined) return {};
      const owner = approvalOwner ? await approvalOwner(request) : undefined;
      if (owner !== undefined && typeof owner !== 'string') throw new TypeError('approvalOwner gave neither a string nor undefined');
      const hooks: ApprovalHooks = { subtle: await nodeSubtle() };
      return { approvalSecret, approvalTtlMs, approvalOwner: owner, claimApproval, approvals, [APPROVAL_HOOKS]: hooks };
    },
  };
}

/**
 * Node's Web Crypto where the global one is missing (Node 18); `undefined`
 * where the global is there (the loop uses it) or nothing has one. Only this
 * server entry ever names `node:crypto`, and only when needed.
 */
async function nodeSubtle(): Promise<SubtleCrypto | undefined> {
  if ((globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle) return undefined;
  try {
    const name = 'node:crypto';
    const crypto = (await import(/* webpackIgnore: true */ name)) as { webcrypto?: { subtle?: SubtleCrypto } };
    return crypto.webcrypto?.subtle;
  } catch {
    return undefined;
  }
}
