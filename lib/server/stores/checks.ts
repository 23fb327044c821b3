// Argument and option checks shared by memoryStore() and redisStore().
import { CohereConfigError } from 'cohere-rx';

/** A generation id: what the relay makes (a UUID v4) fits, and nothing that could bend a Redis key. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** @internal Whether `id` can name a generation. */
export function isGenerationId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

/** @internal `start()`'s check: a bad id is the caller's bug, said at once. */
export function checkNewId(id: unknown): string {
  if (!isGenerationId(id)) {
    throw new RangeError(`a generation id is 1 to 128 characters of A-Z a-z 0-9 _ -, got ${describe(id)}`);
  }
  return id;
}

/** @internal `read()`'s `after`: the last sequence number the client has. */
export function checkAfter(after: unknown): number {
  if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) {
    throw new RangeError(`after is the last sequence number already seen, a whole number 0 or more, got ${describe(after)}`);
  }
  return after;
}

/** @internal `append()`'s arguments. */
export function checkAppend(seq: unknown, frame: unknown, lastSeq: number): void {
  if (seq !== lastSeq + 1) throw new RangeError(`frames are appended in order: expected seq ${lastSeq + 1}, got ${describe(seq)}`);
  if (typeof frame !== 'string') throw new TypeError(`a frame is its SSE text, a string, got ${describe(frame)}`);
}

/** @internal `claim()`'s arguments. */
export function checkClaim(key: unknown, ttlMs: unknown): void {
  if (typeof key !== 'string') throw new TypeError(`a claim key is a string, got ${describe(key)}`);
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new RangeError(`ttlMs is a whole number of milliseconds, 1 or more, got ${describe(ttlMs)}`);
  }
}

/** @internal An option in milliseconds: a whole number, at least `min`. */
export function msOption(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new CohereConfigError(name, `expected a whole number of milliseconds, ${min} or more, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : typeof value;
}

/** @internal A timer that does not keep a process alive on its own (Node), where the runtime allows. */
export function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
