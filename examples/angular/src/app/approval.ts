// A tool loop that runs on the relay (examples/relay/server.mjs, at
// /api/approval), where a tool needs the user's yes: the relay pauses at its
// calls (a `tool-approval-request` per call, then a `step-end` with
// `pending`, and the response ends); the app asks the user about each one
// (the Allow/Deny dialog), then sends the conversation back with the
// decisions (`approvals`, each with the token the relay gave). The relay
// runs what was allowed, tells the model what was denied, and streams on.
import {
  chatStream$,
  isStepEndEvent,
  resumeChat$,
  type ChatRequest,
  type PendingToolCall,
  type ResponseInfo,
  type StepEndEvent,
  type ToolLoopEvent,
} from 'cohere-rx';
import { concat, concatMap, defer, EMPTY, from, map, take, tap, toArray, type Observable, type ObservableInput } from 'rxjs';

/** How {@link serverLoop$} reads its turns. */
export interface ServerLoopOptions {
  /** Each turn's response (its `X-Cohere-Rx-Generation`, to continue it after a reload). */
  onResponse?: ((info: ResponseInfo) => void) | undefined;
  /**
   * A stored generation id, after a reload: the first turn is that one,
   * continued from the relay (`resumeChat$`) instead of a new `POST`; if it
   * pauses, the user is asked and the loop goes on as it would have.
   */
  resume?: string | undefined;
}

export function serverLoop$(
  request: ChatRequest,
  baseUrl: string,
  decide: (pending: PendingToolCall) => ObservableInput<boolean>,
  options: ServerLoopOptions = {},
): Observable<ToolLoopEvent> {
  return defer(() => {
    let paused: StepEndEvent | undefined;
    const { onResponse, resume } = options;
    const first$ = resume
      ? resumeChat$(resume, { baseUrl, apiKey: '', onResponse })
      : chatStream$(request, { baseUrl, apiKey: '', onResponse });
    const turn$ = (first$ as Observable<ToolLoopEvent>).pipe(
      tap((event) => {
        if (isStepEndEvent(event)) paused = event.pending?.length ? event : undefined;
      }),
    );
    const resume$ = defer(() => {
      if (!paused) return EMPTY;
      // The conversation so far comes with the pause (a resumed turn's too): the next request is built on it.
      const { messages, pending = [] } = paused;
      return from(pending).pipe(
        // One question at a time, in call order.
        concatMap((waiting) =>
          from(decide(waiting)).pipe(
            take(1),
            map((approved) => ({
              tool_call_id: waiting.call.id,
              approved,
              token: waiting.token,
              ...(approved ? {} : { reason: 'the user said no' }),
            })),
          ),
        ),
        toArray(),
        concatMap((approvals) => serverLoop$({ ...request, messages, approvals } as ChatRequest, baseUrl, decide, { onResponse })),
      );
    });
    return concat(turn$, resume$);
  });
}
