import { Observable } from 'rxjs';
import { CohereConfigError } from '../errors/CohereConfigError';
import { GENERATION_ID } from '../internal/relay';
import type { ChatTrace } from '../internal/telemetry';
import type { ChatStreamEvent } from '../types/events';
import type { ChatRequest } from '../types/request';
import { events$ } from './chatStream';
import type { ChatStreamOptions } from './options';

/**
 * Options of {@link resumeChat$}: those of `chatStream$()`, and where to start.
 *
 * ## Example
 * Continue after the 12th frame (the page kept what came before).
 * ```ts
 * import { resumeChat$, type ResumeChatOptions } from 'cohere-rx';
 *
 * const options: ResumeChatOptions = { baseUrl: '/api', apiKey: '', lastEventId: 12 };
 * resumeChat$('0f6c8a52-3e1b-4c9a-9a2d-5b7e1f0c4d21', options).subscribe();
 * ```
 */
export interface ResumeChatOptions extends ChatStreamOptions {
  /**
   * The SSE `id:` of the last frame the page has already shown: the relay
   * sends the frames after it (`Last-Event-ID`). Absent, the generation is
   * streamed from its start (what a page that kept nothing of it wants).
   * A whole number, 0 or more.
   */
  lastEventId?: number | undefined;
}

/**
 * Streams a generation of the app's own `cohere-rx/server` relay again, from
 * its stored id: the same cold Observable as `chatStream$()` gave when it
 * started it.
 *
 * After a reload, a page that kept the id (from `onResponse`'s
 * `X-Cohere-Rx-Generation` header) continues the answer the model is still
 * writing, or replays one that ended within the relay's retention. It GETs
 * `{baseUrl}/v2/chat/{id}` (with `Last-Event-ID` when `lastEventId` is
 * given), resumes again if that connection breaks, and unsubscribing before
 * the end stops the generation (a `DELETE`), as with `chatStream$()`. An
 * unknown or expired id is a `CohereIncompleteStreamError` whose `cause` is
 * the relay's 404. A relay without a store has no generations. With the
 * `telemetry` option, a recorder that has a `resume` hook records it
 * (`openTelemetry()`: a `chat` span with the generation's id, no metrics).
 *
 * ```text
 * relay:  (frames 1…4 sent before the reload)--5--6--7(message-end)--|
 * result: resumeChat$(id, { lastEventId: 4 })--5--6--7--|
 * ```
 *
 * ## Example
 * Continue, after a reload, the answer a page was showing.
 * ```ts
 * import { chatStream$, resumeChat$, textOnly } from 'cohere-rx';
 *
 * const options = {
 *   baseUrl: '/api',
 *   apiKey: '',
 *   onResponse: ({ headers }: { headers: { get(name: string): string | null } }) => {
 *     const id = headers.get('x-cohere-rx-generation');
 *     if (id) sessionStorage.setItem('generation', id);
 *   },
 * };
 * const stored = sessionStorage.getItem('generation');
 * const answer$ = stored
 *   ? resumeChat$(stored, options)
 *   : chatStream$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Tell me a long story' }] }, options);
 * answer$.pipe(textOnly()).subscribe({
 *   next: (text) => document.querySelector('output')!.append(text),
 *   complete: () => sessionStorage.removeItem('generation'),
 * });
 * ```
 *
 * @see {@link chatStream$} for the options, and docs/factory.md for resuming and stopping.
 * @param id The generation's id, as the relay's `X-Cohere-Rx-Generation` header gave it.
 * @param options `chatStream$()`'s options (`baseUrl` the relay's, `apiKey: ''`), and `lastEventId`.
 * @returns A cold Observable of the generation's events, from its start or after `lastEventId`.
 */
export function resumeChat$(id: string, options: ResumeChatOptions = {}): Observable<ChatStreamEvent> {
  return new Observable<ChatStreamEvent>((subscriber) => {
    const lastEventId = options?.lastEventId;
    if (typeof id !== 'string' || !GENERATION_ID.test(id)) {
      return subscriber.error(
        new CohereConfigError('id', 'expected the relay generation id from the X-Cohere-Rx-Generation header (URL-safe characters)'),
      );
    }
    if (lastEventId !== undefined && !(Number.isSafeInteger(lastEventId) && lastEventId >= 0)) {
      const got = typeof lastEventId === 'number' ? String(lastEventId) : `a ${typeof lastEventId}`;
      return subscriber.error(new CohereConfigError('lastEventId', `expected a whole number, 0 or more, got ${got}`));
    }
    const given = options ?? {};
    const headers: unknown = given.headers;
    // Headers that are not an object are left for chatStream$'s own check to name.
    const resumed =
      lastEventId === undefined || (headers != null && typeof headers !== 'object')
        ? given
        : { ...given, headers: { ...given.headers, 'last-event-id': String(lastEventId) } };
    // No request: a GET carries no body (resolveOptions still checks every option).
    const open = (trace?: ChatTrace): Observable<ChatStreamEvent> => events$({} as ChatRequest, resumed, trace, id);
    // Telemetry hook (lib/internal/telemetry.ts): a recorder without `resume` records nothing here.
    const telemetry = given.telemetry;
    return (typeof telemetry?.resume === 'function' ? telemetry.resume({ id, lastEventId }, given.baseUrl, open) : open()).subscribe(
      subscriber,
    );
  });
}
