import { CohereConfigError } from '../errors/CohereConfigError';
import type { ApprovalFailure } from '../errors/CohereApprovalError';
import type { ToolCall } from '../types/common';

// Approval tokens (internal to runTools$): what binds a paused call to the
// server that paused it. A token is `v1.<issue time, base 36>.<HMAC>`, the
// HMAC-SHA-256 under `approvalSecret` of a JSON array led by a version tag
// (so no other message of ours can ever collide with it): the call's id,
// tool name and arguments exactly as the model wrote them, the issue time,
// and the owner (or null). Web Crypto only (`crypto.subtle`): no Node
// built-in, so a page's bundle can hold it; it runs only when a loop pauses
// or resumes, never on the path of `approve`.

const VERSION = 'cohere-rx-tool-approval-v1';
const TOKEN = /^v1\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/;
/** A token issued this far in the future is not ours (clocks of several instances may differ by less). */
const MAX_CLOCK_SKEW_MS = 60_000;

/** The shortest `approvalSecret` accepted: 32 characters (a random 32-byte secret as hex is 64). */
export const MIN_SECRET_LENGTH = 32;

/** The default `approvalTtlMs`: 10 minutes. */
export const DEFAULT_APPROVAL_TTL_MS = 10 * 60 * 1000;

/** The token checks' outcome: the call may be decided until `expiresAt`, or why not. */
export type TokenCheck = { ok: true; expiresAt: number } | { ok: false; failure: Extract<ApprovalFailure, 'invalid-token' | 'expired'> };

/** Where the tokens are made and checked: a secret, a lifetime, an owner, and Web Crypto. */
export interface TokenSigner {
  mint(call: ToolCall, now: number): Promise<string>;
  check(token: string, call: ToolCall, now: number): Promise<TokenCheck>;
}

/**
 * A signer for `secret` (checked by the caller), tokens living `ttlMs`,
 * bound to `owner` when given. `subtle` defaults to `globalThis.crypto.subtle`;
 * without either, a `CohereConfigError`.
 */
export function tokenSigner(secret: string, ttlMs: number, owner: string | undefined, subtle?: SubtleCrypto): TokenSigner {
  const crypto = subtle ?? (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (!crypto) {
    throw new CohereConfigError('approvalSecret', 'approval tokens need Web Crypto (crypto.subtle), which this runtime does not have');
  }
  let key: Promise<CryptoKey> | undefined;
  const keyOf = (): Promise<CryptoKey> =>
    (key ??= Promise.resolve(crypto.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])));
  const payload = (call: ToolCall, issued: number): Uint8Array<ArrayBuffer> =>
    utf8(JSON.stringify([VERSION, call.id, call.function.name, call.function.arguments, issued, owner ?? null]));
  return {
    async mint(call, now) {
      const issued = Math.floor(now);
      const mac = await crypto.sign('HMAC', await keyOf(), payload(call, issued));
      return `v1.${issued.toString(36)}.${base64url(new Uint8Array(mac))}`;
    },
    async check(token, call, now) {
      const parts = TOKEN.exec(token);
      if (
        !parts ||
        typeof call?.id !== 'string' ||
        typeof call.function?.name !== 'string' ||
        typeof call.function.arguments !== 'string'
      ) {
        return { ok: false, failure: 'invalid-token' };
      }
      const issued = parseInt(parts[1]!, 36);
      const mac = fromBase64url(parts[2]!);
      // Constant-time: crypto.subtle.verify, never a comparison of strings.
      const valid = mac !== undefined && (await crypto.verify('HMAC', await keyOf(), mac, payload(call, issued)));
      if (!valid || issued > now + MAX_CLOCK_SKEW_MS) return { ok: false, failure: 'invalid-token' };
      if (now - issued > ttlMs) return { ok: false, failure: 'expired' };
      return { ok: true, expiresAt: issued + ttlMs };
    },
  };
}

/**
 * The default `claimApproval`: remembers in this process each token used,
 * until it expires. Several processes (relay instances) need one shared
 * store instead, else a token can run once per instance.
 */
export function memoryClaims(): (token: string, ttlMs: number) => boolean {
  const used = new Map<string, number>();
  let sweep = 0;
  return (token, ttlMs) => {
    const now = Date.now();
    if (now >= sweep) {
      // At most once a second: forget the tokens that cannot be checked any more.
      sweep = now + 1000;
      for (const [seen, until] of used) if (until <= now) used.delete(seen);
    }
    const until = used.get(token);
    if (until !== undefined && until > now) return false;
    used.set(token, now + Math.max(0, ttlMs));
    return true;
  };
}

let processClaims: ((token: string, ttlMs: number) => boolean) | undefined;
/** The claims of `runTools$` calls given no `claimApproval`: one memory for the process, made on first use. */
export function defaultClaims(): (token: string, ttlMs: number) => boolean {
  return (processClaims ??= memoryClaims());
}

function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}
