import type { Citation } from '../types/common';
import type { CitationStartEvent } from '../types/events';

/**
 * The citation a `citation-start` event carries, or `undefined` when it
 * carries none (every field may be absent on the wire). Internal: the one
 * home of that rule for `collectCitations()` and the message reducer.
 */
export function citationOf(event: CitationStartEvent): Citation | undefined {
  const citation = event.delta?.message?.citations;
  return citation && typeof citation === 'object' ? citation : undefined;
}
