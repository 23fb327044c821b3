import { context as contextApi, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import type { ChatRequest, ChatStreamEvent, ChatTrace, Usage } from 'cohere-rx';
import { Observable, type Subscription } from 'rxjs';
import {
  CANCELLED,
  ERROR_TYPE,
  errorTypeOf,
  GEN_AI_INPUT_MESSAGES,
  GEN_AI_OPERATION_NAME,
  GEN_AI_OUTPUT_MESSAGES,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_REQUEST_STREAM,
  GEN_AI_RESPONSE_FINISH_REASONS,
  GEN_AI_RESPONSE_ID,
  GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  GEN_AI_TOKEN_TYPE,
  GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  GENERATION_ID,
  HTTP_REQUEST_RESEND_COUNT,
  HTTP_RESPONSE_STATUS_CODE,
  modelOf,
  requestAttributes,
  RESUMED_AFTER,
  RETRY_DELAY,
  RETRY_EVENT,
  serverAttributes,
  statusCodeOf,
} from './attributes';
import { AnswerRecorder, inputMessagesOf, outputMessagesOf, type Answer } from './content';
import { defined, endSpan, errorTypeOfEnding, type Ending, type Scope, type Shared } from './recorder';

/** A generation of the app's relay continued by `resumeChat$()`: its id, and where it resumes. */
export interface Resumed {
  readonly id: string;
  readonly lastEventId?: number | undefined;
}

/**
 * One `chat {model}` span (kind CLIENT) per subscription of a chat stream,
 * with the conventions' request, response and usage attributes, and the
 * client metrics (duration, token usage, time to first chunk). See
 * docs/telemetry.md for what each means.
 *
 * With `resumed` (`resumeChat$()`: no request, a generation started
 * elsewhere), a `chat` span with the generation's id, the response's id and
 * finish reasons, and no usage, time to first chunk or metrics: the tokens
 * were used, and the model waited for, by the request that started it (a
 * replayed usage counted again would count them twice).
 */
export function recordChat(
  shared: Shared,
  scope: Scope,
  request: ChatRequest,
  baseUrl: string | undefined,
  open: (trace: ChatTrace) => Observable<ChatStreamEvent>,
  resumed?: Resumed,
): Observable<ChatStreamEvent> {
  return new Observable<ChatStreamEvent>((subscriber) => {
    // A resume used no tokens and waited for no model: its usage, first chunk and metrics are the starting request's.
    const own = resumed === undefined;
    const model = own ? modelOf(request) : undefined;
    const common = defined({
      [GEN_AI_OPERATION_NAME]: 'chat',
      [GEN_AI_PROVIDER_NAME]: 'cohere',
      [GEN_AI_REQUEST_MODEL]: model,
      ...serverAttributes(baseUrl),
    });
    const attributes: Attributes = own
      ? { ...common, ...defined(requestAttributes(request)), [GEN_AI_REQUEST_STREAM]: true }
      : {
          ...common,
          [GEN_AI_REQUEST_STREAM]: true,
          [GENERATION_ID]: resumed.id,
          ...defined({ [RESUMED_AFTER]: resumed.lastEventId }),
        };
    if (shared.recordContent && own) attributes[GEN_AI_INPUT_MESSAGES] = inputMessagesOf(request);
    const parent = scope.parent ?? contextApi.active();
    const span = shared.tracer.startSpan(
      model ? `chat ${model}` : 'chat',
      { kind: SpanKind.CLIENT, attributes: defined(attributes), links: scope.links ?? [] },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    const started = performance.now();
    const turn = new Turn(shared.recordContent);
    let done = false;

    const finish = (ending: Ending): void => {
      if (done) return;
      done = true;
      try {
        const seconds = (performance.now() - started) / 1000;
        const type = errorTypeOfEnding(ending);
        span.setAttributes(
          defined({
            [GEN_AI_RESPONSE_ID]: turn.responseId,
            [GEN_AI_RESPONSE_FINISH_REASONS]: turn.finishReasons.length > 0 ? turn.finishReasons : undefined,
            [GEN_AI_USAGE_INPUT_TOKENS]: own ? turn.inputTokens : undefined,
            [GEN_AI_USAGE_OUTPUT_TOKENS]: own ? turn.outputTokens : undefined,
            [GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: own ? turn.cachedTokens : undefined,
            [GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: own ? turn.firstChunkSeconds : undefined,
            [GEN_AI_OUTPUT_MESSAGES]: turn.answers ? outputMessagesOf(turn.answers) : undefined,
            [HTTP_RESPONSE_STATUS_CODE]: typeof ending === 'object' ? statusCodeOf(ending.error) : undefined,
          }),
        );
        endSpan(span, ending, shared.recordContent);
        if (!own) return;
        const metrics = shared.instruments();
        metrics.duration.record(seconds, type === undefined ? common : { ...common, [ERROR_TYPE]: type });
        if (turn.inputTokens !== undefined) metrics.tokens.record(turn.inputTokens, { ...common, [GEN_AI_TOKEN_TYPE]: 'input' });
        if (turn.outputTokens !== undefined) metrics.tokens.record(turn.outputTokens, { ...common, [GEN_AI_TOKEN_TYPE]: 'output' });
      } catch {
        // Telemetry never breaks the stream it records.
      }
    };

    const chatTrace: ChatTrace = {
      headers: shared.inject(spanContext),
      retry: (error, attempt, delayMs) => {
        span.addEvent(
          RETRY_EVENT,
          defined({
            [HTTP_REQUEST_RESEND_COUNT]: attempt,
            [ERROR_TYPE]: errorTypeOf(error),
            [HTTP_RESPONSE_STATUS_CODE]: statusCodeOf(error),
            [RETRY_DELAY]: delayMs / 1000,
          }),
        );
      },
    };

    // Subscribed in the span's context: with a context manager (the Node SDK
    // registers one), the fetch's own HTTP span, if instrumented, is its child.
    let inner: Subscription | undefined;
    contextApi.with(spanContext, () => {
      inner = open(chatTrace).subscribe({
        next: (event) => {
          try {
            if (turn.add(event, started) && own) shared.instruments().firstChunk.record(turn.firstChunkSeconds!, common);
          } catch {
            // as above
          }
          subscriber.next(event);
        },
        error: (error: unknown) => {
          finish({ error });
          subscriber.error(error);
        },
        complete: () => {
          finish(undefined);
          subscriber.complete();
        },
      });
    });

    return () => {
      inner?.unsubscribe();
      // Unsubscribed after a whole answer (`first(e => e.type === 'message-end')`): a success; before it: cancelled.
      if (!done) finish(turn.whole ? undefined : CANCELLED);
    };
  });
}

/** What one chat stream has said so far, for its span. */
class Turn {
  responseId: string | undefined;
  readonly finishReasons: string[] = [];
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cachedTokens: number | undefined;
  firstChunkSeconds: number | undefined;
  /** A `message-end` came and no message has started since. */
  whole = false;
  readonly #content: AnswerRecorder | undefined;

  /** The answers (one per message-end), with `recordContent`. */
  get answers(): readonly Answer[] | undefined {
    return this.#content?.answers;
  }

  constructor(recordContent: boolean) {
    if (recordContent) this.#content = new AnswerRecorder();
  }

  /** Takes one event in; `true` when it is the first chunk of output (its time is then in `firstChunkSeconds`). */
  add(event: ChatStreamEvent, started: number): boolean {
    this.#content?.add(event);
    let first = false;
    // The first chunk is the first event after `message-start`: output (text,
    // thinking, a tool plan or call) or the end. `message-start` itself comes
    // with the response headers, before the model has produced anything.
    if (this.firstChunkSeconds === undefined && event.type !== 'message-start') {
      this.firstChunkSeconds = (performance.now() - started) / 1000;
      first = true;
    }
    if (event.type === 'message-start') {
      this.whole = false;
      if (typeof event.id === 'string') this.responseId = event.id;
    } else if (event.type === 'message-end') {
      this.whole = true;
      if (typeof event.id === 'string') this.responseId ??= event.id;
      const reason = event.delta?.finish_reason;
      if (typeof reason === 'string') this.finishReasons.push(reason);
      this.addUsage(event.delta?.usage);
    }
    return first;
  }

  /** Billed units where Cohere gives them (as the conventions require), else the tokens counted. */
  private addUsage(usage: Usage | undefined): void {
    if (!usage || typeof usage !== 'object') return;
    const sum = (a: number | undefined, b: unknown): number | undefined => (typeof b === 'number' && Number.isFinite(b) ? (a ?? 0) + b : a);
    this.inputTokens = sum(this.inputTokens, usage.billed_units?.input_tokens ?? usage.tokens?.input_tokens);
    this.outputTokens = sum(this.outputTokens, usage.billed_units?.output_tokens ?? usage.tokens?.output_tokens);
    this.cachedTokens = sum(this.cachedTokens, usage.cached_tokens);
  }
}
