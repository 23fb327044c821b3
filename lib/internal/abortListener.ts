interface Entry {
  callbacks: Set<() => void>;
  handler: () => void;
}

const entries = new WeakMap<AbortSignal, Entry>();

/**
 * Calls `callback` once when `signal` aborts; returns a function that forgets it.
 *
 * All streams that share one signal share one `abort` listener on it, removed
 * when the last of them forgets theirs: an app can pass one signal to a
 * thousand concurrent streams without piling listeners on it (and without
 * Node's MaxListenersExceededWarning).
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = entries.get(signal);
  if (!entry) {
    const callbacks = new Set<() => void>();
    const handler = (): void => {
      entries.delete(signal);
      signal.removeEventListener('abort', handler);
      const due = [...callbacks];
      callbacks.clear(); // their forget functions now have nothing to undo
      for (const fn of due) fn();
    };
    entry = { callbacks, handler };
    entries.set(signal, entry);
    signal.addEventListener('abort', handler);
  }
  const { callbacks, handler } = entry;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0) return;
    if (entries.get(signal)?.callbacks === callbacks) entries.delete(signal);
    signal.removeEventListener('abort', handler);
  };
}
