// The seam a cohere-rx/server relay plugs into runTools$'s approval path.
// Kept here, with no imports, like lib/internal/relay.ts: the server entry
// and the core are bundled apart, and only `Symbol.for` gives both one key.

/** The key of {@link ApprovalHooks} in `runTools$()`'s options. JSON cannot produce it. */
export const APPROVAL_HOOKS: unique symbol = Symbol.for('cohere-rx/approval-hooks');

/** What a relay gives the loop's approval path. Internal: never part of the documented options. */
export interface ApprovalHooks {
  /**
   * Web Crypto's `subtle`, where `globalThis.crypto` is missing (Node 18):
   * the server entry passes Node's `webcrypto.subtle`. A page never sets it.
   */
  subtle?: SubtleCrypto | undefined;
}

/** Options carrying the approval hooks. */
export interface WithApprovalHooks {
  [APPROVAL_HOOKS]?: ApprovalHooks | undefined;
}

/**
 * What is wrong with `approvals` (the decisions sent after a pause), or
 * `undefined`: it must be an array of objects with a string `tool_call_id`,
 * and `approved` (boolean), `reason` and `token` (strings) when present.
 * Shared by `runTools$` (a `CohereConfigError`) and the relay (a 400).
 */
export function approvalsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'approvals must be an array of { tool_call_id, approved?, reason?, token }';
  for (let i = 0; i < value.length; i++) {
    const entry = value[i] as Record<string, unknown> | null;
    const at = `approvals[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return `${at} must be an object`;
    if (typeof entry['tool_call_id'] !== 'string') return `${at}.tool_call_id must be a string`;
    if (entry['approved'] !== undefined && typeof entry['approved'] !== 'boolean') return `${at}.approved must be true or false`;
    for (const field of ['reason', 'token']) {
      if (entry[field] !== undefined && typeof entry[field] !== 'string') return `${at}.${field} must be a string`;
    }
  }
  return undefined;
}
