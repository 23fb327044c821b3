import { Observable, type OperatorFunction } from 'rxjs';
import type { Citation } from '../types/common';
import type { ChatStreamEvent } from '../types/events';

/**
 * Emits the list of citations so far, each time it grows.
 *
 * Each `citation-start` adds its citation; every emission is a new array (the
 * citations in it keep their identity), so change detection by reference works.
 *
 * ```text
 * source: --s--d--c--d--c--e--|   (c: citation-start x, then y)
 * result: --------a-----b-----|   collectCitations()   (a: [x], b: [x, y])
 * ```
 *
 * ## Example
 * Render the sources of a RAG answer as they are cited.
 * ```ts
 * import { chatStream$, collectCitations } from 'cohere-rx';
 *
 * chatStream$({ ...request, documents }).pipe(collectCitations())
 *   .subscribe((citations) => renderSources(citations.flatMap((c) => c.sources ?? [])));
 * ```
 *
 * @see {@link accumulateMessage}, whose snapshots carry `message.citations` too.
 * @returns An operator from chat events to the growing `Citation[]`.
 */
export function collectCitations(): OperatorFunction<ChatStreamEvent, Citation[]> {
  return (source) =>
    new Observable<Citation[]>((subscriber) => {
      let citations: Citation[] = [];
      return source.subscribe({
        next: (event) => {
          if (event.type !== 'citation-start') return;
          const citation = event.delta?.message?.citations;
          if (!citation || typeof citation !== 'object') return;
          citations = [...citations, citation];
          subscriber.next(citations);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
