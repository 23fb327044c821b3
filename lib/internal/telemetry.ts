// The telemetry hooks of the core: the one interface between chatStream$,
// runTools$, createChatHandler and whatever records traces and metrics
// (cohere-rx/telemetry's openTelemetry(), or your own). Types only: the core
// holds no telemetry code and imports no telemetry package, so an app without
// the `telemetry` option ships and runs nothing of it.
//
// The hook points (keep them working when you change these files):
//   lib/stream/chatStream.ts   chatStream$ → Telemetry.chat(request, baseUrl, open); inside the stream,
//                              ChatTrace.headers on every attempt, ChatTrace.retry before each retry's wait
//   lib/stream/resumeChat.ts   resumeChat$ → Telemetry.resume({ id, lastEventId }, baseUrl, open), when the recorder has it
//   lib/stream/options.ts      the `telemetry` option (ChatStreamOptions) and its check
//   lib/loop/runTools.ts       runTools$ → Telemetry.loop(request, tools, open); the steps' chatStream$
//                              get LoopTrace.steps as their `telemetry`
//   lib/loop/runToolCalls.ts   each tool call's Observable goes through LoopTrace.tool(call, step, run$)
//   lib/server/createChatHandler.ts  per request, Telemetry.incoming(request.headers) (the caller's trace)
//
// Each hook wraps an Observable rather than being told about events one by
// one: the recorder sees exactly what the subscriber sees (every event, the
// error, the completion, an unsubscribe), and the core's hot path pays nothing.
import type { Observable } from 'rxjs';
import type { ToolCall } from '../types/common';
import type { ChatStreamEvent } from '../types/events';
import type { ToolLoopEvent, ToolResultEvent } from '../types/loop';
import type { ChatRequest } from '../types/request';

/**
 * The value of the `telemetry` option of `chatStream$()`, `runTools$()` and
 * `createChatHandler()`: `openTelemetry()` of `cohere-rx/telemetry` makes one
 * (spans and metrics by OpenTelemetry's GenAI conventions). You may write
 * your own to feed another backend; docs/telemetry.md says what each hook
 * is given and when.
 */
export interface Telemetry {
  /**
   * Wraps one `chatStream$()` call. For each subscription, the returned
   * Observable starts recording, subscribes to `open(trace)` (the stream
   * itself, which sends `trace.headers` and reports retries to it), passes
   * on everything it emits, and ends the record with the completion, the
   * error or the unsubscribe.
   *
   * @param request The chat request (the body sent, without `stream: true`).
   * @param baseUrl The `baseUrl` option as given (`undefined`: Cohere's own).
   * @param open Subscribes to the stream for one subscription.
   */
  chat(
    request: ChatRequest,
    baseUrl: string | undefined,
    open: (trace: ChatTrace) => Observable<ChatStreamEvent>,
  ): Observable<ChatStreamEvent>;
  /**
   * Wraps one `resumeChat$()` call, as `chat` does: a generation of the
   * app's relay continued from its id (after a reload), with no request of
   * its own. Absent: resumes are not recorded.
   *
   * @param resumed The generation's id, and the `lastEventId` it resumes after (absent: from its start).
   * @param baseUrl The `baseUrl` option as given (the relay's).
   * @param open Subscribes to the stream for one subscription.
   */
  resume?(
    resumed: { readonly id: string; readonly lastEventId?: number | undefined },
    baseUrl: string | undefined,
    open: (trace: ChatTrace) => Observable<ChatStreamEvent>,
  ): Observable<ChatStreamEvent>;
  /**
   * Wraps one `runTools$()` call, as `chat` does: per subscription, it
   * starts recording the loop and subscribes to `open(trace)`; `trace.steps`
   * is the telemetry of the loop's model turns, `trace.tool` wraps each tool call.
   *
   * @param request The first request of the loop.
   * @param tools The loop's tool definitions by name (for their descriptions).
   * @param open Subscribes to the loop for one subscription.
   */
  loop(
    request: ChatRequest,
    tools: Readonly<Record<string, { readonly description?: string | undefined }>>,
    open: (trace: LoopTrace) => Observable<ToolLoopEvent>,
  ): Observable<ToolLoopEvent>;
  /**
   * The relay (`createChatHandler`) calls it with each incoming request's
   * headers: the telemetry to use for that request (continuing the caller's
   * trace from `traceparent`, for example). Absent: the same telemetry.
   */
  incoming?(headers: { get(name: string): string | null }): Telemetry;
}

/** What a chat stream's recorder gives the stream it records (see {@link Telemetry}). */
export interface ChatTrace {
  /** Headers sent with every attempt (W3C `traceparent`, …); the `headers` option overrides them. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * Called before the wait that precedes retry number `attempt` (1 for the
   * first retry): `error` is why the previous attempt failed, `delayMs` the wait.
   */
  retry?(error: unknown, attempt: number, delayMs: number): void;
}

/** What a tool loop's recorder gives the loop it records (see {@link Telemetry}). */
export interface LoopTrace {
  /** The telemetry of the loop's model turns (their records are the loop's children). */
  readonly steps: Telemetry;
  /**
   * Wraps the run of one tool call of step `step`: `run$` emits the call's
   * one `tool-result` and completes.
   */
  tool(call: ToolCall, step: number, run$: Observable<ToolResultEvent>): Observable<ToolResultEvent>;
}
