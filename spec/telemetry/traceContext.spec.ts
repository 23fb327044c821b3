import { createTraceState, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
// The SDK's own propagator (a dependency of @opentelemetry/sdk-trace-base), as the reference ours must agree with.
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { w3cTraceContext } from '../../lib/telemetry/traceContext';

const reference = new W3CTraceContextPropagator();
const traceId = '0af7651916cd43dd8448eb211c80319c';
const spanId = 'b7ad6b7169203331';

function extract(propagator: typeof w3cTraceContext, headers: Record<string, string>) {
  return trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
}

describe('the built-in W3C Trace Context propagator', () => {
  it('should write traceparent (version 00) and tracestate of the context’s span', () => {
    const context = trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId,
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState('vendor=a,other=b'),
    });
    const ours: Record<string, string> = {};
    const theirs: Record<string, string> = {};
    w3cTraceContext.inject(context, ours, defaultTextMapSetter);
    reference.inject(context, theirs, defaultTextMapSetter);
    expect(ours).toEqual({ traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'vendor=a,other=b' });
    expect(ours).toEqual(theirs);
  });

  it('should write nothing for a context without a valid span', () => {
    const carrier: Record<string, string> = {};
    w3cTraceContext.inject(ROOT_CONTEXT, carrier, defaultTextMapSetter);
    w3cTraceContext.inject(
      trace.setSpanContext(ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId, traceFlags: 1 }),
      carrier,
      defaultTextMapSetter,
    );
    expect(carrier).toEqual({});
  });

  it('should name the headers it uses', () => {
    expect(w3cTraceContext.fields()).toEqual(['traceparent', 'tracestate']);
  });

  it.each([
    ['a sampled parent', `00-${traceId}-${spanId}-01`],
    ['an unsampled parent', `00-${traceId}-${spanId}-00`],
    ['surrounding whitespace', ` 00-${traceId}-${spanId}-01 `],
    ['a later version with more fields', `cc-${traceId}-${spanId}-01-what-the-future-holds`],
    ['version ff', `ff-${traceId}-${spanId}-01`],
    ['version 00 with a fifth field', `00-${traceId}-${spanId}-01-extra`],
    ['upper-case hex', `00-${traceId.toUpperCase()}-${spanId}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${spanId}-01`],
    ['an all-zero parent id', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['a short trace id', `00-${traceId.slice(1)}-${spanId}-01`],
    ['no dashes', `00${traceId}${spanId}01`],
    ['garbage', 'not a traceparent'],
  ])('should read %s as the SDK does', (_what, traceparent) => {
    const ours = extract(w3cTraceContext, { traceparent, tracestate: 'vendor=a' });
    const theirs = extract(reference, { traceparent, tracestate: 'vendor=a' });
    expect(ours && { ...ours, traceState: ours.traceState?.serialize() }).toEqual(
      theirs && { ...theirs, traceState: theirs.traceState?.serialize() },
    );
  });

  it('should mark what it reads as remote, with the flags and the trace state', () => {
    const span = extract(w3cTraceContext, { traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'vendor=a' });
    expect(span).toMatchObject({ traceId, spanId, traceFlags: 1, isRemote: true });
    expect(span!.traceState!.get('vendor')).toBe('a');
  });

  it('should leave the context as it is when there is no traceparent', () => {
    expect(w3cTraceContext.extract(ROOT_CONTEXT, {}, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
  });
});
