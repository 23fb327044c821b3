// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent`
// and `tracestate` headers, written against @opentelemetry/api alone, so that
// cohere-rx/telemetry needs no package beyond the API (the SDK's own
// W3CTraceContextPropagator lives in @opentelemetry/core).
import {
  createTraceState,
  isSpanContextValid,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
/** version-traceid-parentid-flags, each lowercase hex; a later version may add fields after a `-`. */
const TRACEPARENT_FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The W3C Trace Context propagator: `traceparent` and `tracestate`, version 00. */
export const w3cTraceContext: TextMapPropagator = {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(context);
    if (!span || !isSpanContextValid(span)) return;
    const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
    setter.set(carrier, TRACEPARENT, `00-${span.traceId}-${span.spanId}-${flags}`);
    const state = span.traceState?.serialize();
    if (state) setter.set(carrier, TRACESTATE, state);
  },

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = one(getter.get(carrier, TRACEPARENT));
    const match = header === undefined ? null : TRACEPARENT_FORMAT.exec(header.trim());
    if (!match) return context;
    const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
    // Version ff is forbidden; version 00 has exactly four fields.
    if (version === 'ff' || (version === '00' && rest !== undefined)) return context;
    const span: SpanContext = { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true };
    if (!isSpanContextValid(span)) return context; // an all-zero trace or parent id
    const state = getter.get(carrier, TRACESTATE);
    const stateText = Array.isArray(state) ? state.join(',') : state;
    if (stateText) span.traceState = createTraceState(stateText);
    return trace.setSpanContext(context, span);
  },

  fields: () => [TRACEPARENT, TRACESTATE],
};

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
