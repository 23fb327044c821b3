import type { OperatorFunction } from 'rxjs';
import type { Citation } from '../types/common';
import type { ToolLoopEvent } from '../types/loop';
import { citationOf } from './citationOf';
import { createOperator } from './createOperator';

/**
 * Emits the list of citations so far, each time it grows.
 *
 * Each `citation-start` adds its citation; every emission is a new array (the
 * citations in it keep their identity), so change detection by reference works.
 * Over a source of several messages (a tool loop), each `message-start`
 * starts a new list: a citation's offsets point into its own message.
 *
 * ```text
 * source: --s--a--r--b--u--e--|   (r, u: citation-start of citations 1 and 2)
 * result: --------A-----B-----|   collectCitations()   (A: [citation 1], B: [citation 1, citation 2])
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
export function collectCitations(): OperatorFunction<ToolLoopEvent, Citation[]> {
  return createOperator((subscriber) => {
    let citations: Citation[] = [];
    return {
      next: (event) => {
        // Per message: a tool loop streams several, each citing its own text.
        if (event.type === 'message-start') citations = [];
        if (event.type !== 'citation-start') return;
        const citation = citationOf(event);
        if (!citation) return;
        citations = [...citations, citation];
        subscriber.next(citations);
      },
    };
  });
}
