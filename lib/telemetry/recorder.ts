import {
  context as contextApi,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  ValueType,
  type Attributes,
  type Context,
  type Histogram,
  type Link,
  type Meter,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import type { ChatRequest, ChatStreamEvent, ChatTrace, LoopTrace, Telemetry, ToolLoopEvent } from 'cohere-rx';
import type { Observable } from 'rxjs';
import {
  CANCELLED,
  DURATION_BUCKETS,
  ERROR_TYPE,
  errorDescriptionOf,
  errorTypeOf,
  METRIC_OPERATION_DURATION,
  METRIC_TIME_TO_FIRST_CHUNK,
  METRIC_TOKEN_USAGE,
  TOKEN_BUCKETS,
} from './attributes';
import { recordChat, type Resumed } from './chatSpan';
import { recordLoop } from './loopSpan';

/** What the incoming side of a relay does with the caller's `traceparent`. */
export type IncomingTrace = 'continue' | 'link' | 'ignore';

/** The instruments of the conventions' client metrics. */
export interface Instruments {
  readonly duration: Histogram;
  readonly tokens: Histogram;
  readonly firstChunk: Histogram;
}

/** What every recorder made by one `openTelemetry()` call shares. */
export interface Shared {
  readonly tracer: Tracer;
  readonly recordContent: boolean;
  readonly agentName: string | undefined;
  readonly propagator: TextMapPropagator | null;
  readonly incomingTrace: IncomingTrace;
  /** The metric instruments, made at first use. */
  instruments(): Instruments;
  /** The trace headers for a request made in `context` (none without a propagator). */
  inject(context: Context): Record<string, string> | undefined;
}

/** Where a recorder's spans go: under `parent` (else the active context), with `links`. */
export interface Scope {
  readonly parent?: Context | undefined;
  readonly links?: Link[] | undefined;
}

export function createShared(
  tracer: Tracer,
  meter: () => Meter,
  recordContent: boolean,
  agentName: string | undefined,
  propagator: TextMapPropagator | null,
  incomingTrace: IncomingTrace,
): Shared {
  let instruments: Instruments | undefined;
  return {
    tracer,
    recordContent,
    agentName,
    propagator,
    incomingTrace,
    instruments: () => {
      if (instruments) return instruments;
      const m = meter();
      instruments = {
        duration: m.createHistogram(METRIC_OPERATION_DURATION, {
          description: 'GenAI operation duration.',
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        }),
        tokens: m.createHistogram(METRIC_TOKEN_USAGE, {
          description: 'Number of input and output tokens used.',
          unit: '{token}',
          valueType: ValueType.INT,
          advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
        }),
        firstChunk: m.createHistogram(METRIC_TIME_TO_FIRST_CHUNK, {
          description: 'Time to receive the first chunk, from the start of the operation.',
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        }),
      };
      return instruments;
    },
    inject: (context) => {
      if (!propagator) return undefined;
      const carrier: Record<string, string> = {};
      propagator.inject(context, carrier, defaultTextMapSetter);
      return Object.keys(carrier).length > 0 ? carrier : undefined;
    },
  };
}

/** Reads a web `Headers` (or anything with `get`) for a propagator. */
const headersGetter: TextMapGetter<{ get(name: string): string | null }> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: () => [],
};

/**
 * The `Telemetry` of `openTelemetry()`: a recorder bound to a scope (the
 * loop's span for its steps, the caller's trace for a relayed request).
 */
export class OpenTelemetryRecorder implements Telemetry {
  readonly #shared: Shared;
  readonly #scope: Scope;

  constructor(shared: Shared, scope: Scope = {}) {
    this.#shared = shared;
    this.#scope = scope;
  }

  chat(
    request: ChatRequest,
    baseUrl: string | undefined,
    open: (trace: ChatTrace) => Observable<ChatStreamEvent>,
  ): Observable<ChatStreamEvent> {
    return recordChat(this.#shared, this.#scope, request, baseUrl, open);
  }

  resume(
    resumed: Resumed,
    baseUrl: string | undefined,
    open: (trace: ChatTrace) => Observable<ChatStreamEvent>,
  ): Observable<ChatStreamEvent> {
    return recordChat(this.#shared, this.#scope, {} as ChatRequest, baseUrl, open, resumed);
  }

  loop(
    request: ChatRequest,
    tools: Readonly<Record<string, { readonly description?: string | undefined }>>,
    open: (trace: LoopTrace) => Observable<ToolLoopEvent>,
  ): Observable<ToolLoopEvent> {
    return recordLoop(this.#shared, this.#scope, request, tools, open, (parent) => new OpenTelemetryRecorder(this.#shared, { parent }));
  }

  incoming(headers: { get(name: string): string | null }): Telemetry {
    const shared = this.#shared;
    const active = contextApi.active();
    // An HTTP server instrumentation already made the request's span (from the same header): go under it.
    if (trace.getSpan(active)) return new OpenTelemetryRecorder(shared, { parent: active });
    if (!shared.propagator || shared.incomingTrace === 'ignore' || typeof headers?.get !== 'function') {
      return new OpenTelemetryRecorder(shared, { parent: ROOT_CONTEXT });
    }
    const caller = shared.propagator.extract(ROOT_CONTEXT, headers, headersGetter);
    const remote = trace.getSpanContext(caller);
    if (!remote) return new OpenTelemetryRecorder(shared, { parent: ROOT_CONTEXT });
    return shared.incomingTrace === 'link'
      ? new OpenTelemetryRecorder(shared, { parent: ROOT_CONTEXT, links: [{ context: remote }] })
      : new OpenTelemetryRecorder(shared, { parent: caller });
  }
}

/** The attributes that are set (an attribute set to `undefined` is left out). */
export function defined(attributes: Attributes): Attributes {
  const out: Attributes = {};
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) out[name] = value;
  return out;
}

/** How a record ends: whole (`undefined`), failed (`{ error }`), or unsubscribed from before its end (`'cancelled'`). */
export type Ending = undefined | { readonly error: unknown } | typeof CANCELLED;

/** The `error.type` of an ending (`undefined` when whole). */
export function errorTypeOfEnding(ending: Ending): string | undefined {
  return ending === CANCELLED ? CANCELLED : ending ? errorTypeOf(ending.error) : undefined;
}

/**
 * Ends a span: on failure with status ERROR, `error.type`, and the error's
 * message as the status description where it may carry no content.
 */
export function endSpan(span: Span, ending: Ending, recordContent: boolean): void {
  const type = errorTypeOfEnding(ending);
  if (type !== undefined) {
    span.setAttribute(ERROR_TYPE, type);
    const message = typeof ending === 'object' ? errorDescriptionOf(ending.error, recordContent) : undefined;
    span.setStatus(message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
  }
  span.end();
}
