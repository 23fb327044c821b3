// The snapshots of JsonPrefixParser: the stack of open objects and arrays,
// each with its settled members and its last snapshot, and the path copying
// that rebuilds only the containers on the path to what changed (every
// settled subtree keeps its identity).

export type Container = unknown[] | Record<string, unknown>;

/** One open object or array. */
export interface Frame {
  readonly array: boolean;
  /** The settled members (their final values). */
  readonly work: Container;
  /** Objects: the key of the member being parsed. */
  key: string;
  /** The last snapshot built of this container. */
  snap: Container | undefined;
  /** Something under this container changed since `snap` was built. */
  dirty: boolean;
}

/** Marks frames 0..depth changed (they form a prefix of the stack: a dirty frame's ancestors are dirty). */
export function markDirty(stack: readonly Frame[], depth: number): void {
  for (let k = depth; k >= 0; k--) {
    const frame = stack[k]!;
    if (frame.dirty) return;
    frame.dirty = true;
  }
}

/**
 * Rebuilds the dirty frames, deepest first, and returns the root container's
 * snapshot. `openString` is the visible part of a value string being parsed
 * in the deepest frame, or `undefined` when none is.
 */
export function snapshotStack(stack: readonly Frame[], openString: string | undefined): Container {
  let k = 0;
  while (k + 1 < stack.length && stack[k + 1]!.dirty) k++;
  for (; k > 0; k--) snapshotFrame(stack, k, openString);
  return snapshotFrame(stack, 0, openString);
}

/** The snapshot of frame `k`, rebuilt if it is dirty (the frames above it must be clean). */
export function snapshotFrame(stack: readonly Frame[], k: number, openString: string | undefined): Container {
  const frame = stack[k]!;
  if (!frame.dirty) return frame.snap!;
  // The member being parsed: a container above this one, or a value string.
  let open: unknown;
  let hasOpen = true;
  if (k + 1 < stack.length) open = stack[k + 1]!.snap;
  else if (openString !== undefined) open = openString;
  else hasOpen = false;
  let snap: Container;
  if (frame.array) {
    snap = (frame.work as unknown[]).slice();
    if (hasOpen) snap.push(open);
  } else {
    snap = { ...(frame.work as Record<string, unknown>) };
    if (hasOpen) put(snap, frame.key, open);
  }
  frame.snap = snap;
  frame.dirty = false;
  return snap;
}

/** Sets a member as JSON.parse does: `__proto__` is an own property, not the prototype. */
export function put(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}
