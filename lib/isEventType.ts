import type { ChatStreamEventOf, ChatStreamEventType } from './types/events';

/**
 * Narrows an event to the given type(s).
 *
 * Use it where a `switch` on `event.type` is too much: in `filter()`, in an
 * `if`. With several types it narrows to their union.
 *
 * ```text
 * source: --s--a--b--e--|   (a, b: content-delta)
 * result: -----a--b-----|   filter((e) => isEventType(e, 'content-delta'))
 * ```
 *
 * ## Example
 * Keep only the text deltas, typed.
 * ```ts
 * import { chatStream$, isEventType } from 'cohere-rx';
 * import { filter } from 'rxjs';
 *
 * const deltas$ = chatStream$(request).pipe(filter((e) => isEventType(e, 'content-delta')));
 * ```
 *
 * @see {@link ChatStreamEvent}
 * @param event Any value, usually a stream event.
 * @param types One or more event types.
 * @returns Whether `event.type` is one of `types`.
 */
export function isEventType<T extends ChatStreamEventType>(event: unknown, ...types: T[]): event is ChatStreamEventOf<T> {
  if (event === null || typeof event !== 'object') return false;
  const type = (event as { type?: unknown }).type;
  return types.includes(type as T);
}
