import { metrics, trace, type Meter, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import { CohereConfigError, type Telemetry } from 'cohere-rx';
import { createShared, OpenTelemetryRecorder } from './recorder';
import { w3cTraceContext } from './traceContext';

/** Options of {@link openTelemetry}. All are optional. */
export interface OpenTelemetryOptions {
  /**
   * The tracer spans are made with.
   * @default trace.getTracer('cohere-rx'): the global tracer provider's (set by the Node SDK's `start()`)
   */
  tracer?: Tracer | undefined;
  /**
   * The meter of the metrics, asked for at the first operation.
   * @default metrics.getMeter('cohere-rx'): the global meter provider's, as it is at the first operation
   */
  meter?: Meter | undefined;
  /**
   * Record the conversation: `gen_ai.input.messages` and
   * `gen_ai.output.messages` on chat and loop spans, tool call arguments and
   * results on tool spans, and any error's message as its span's status
   * description. Off, no prompt, answer or tool data is recorded. The API
   * key is never recorded either way.
   * @default false
   */
  recordContent?: boolean | undefined;
  /**
   * The name of the agent a `runTools$()` loop is: its span is then
   * `invoke_agent {agentName}`, with `gen_ai.agent.name`.
   * @default undefined (the span is `invoke_agent`)
   */
  agentName?: string | undefined;
  /**
   * How trace context goes into requests (`traceparent` to Cohere or to
   * your relay) and comes out of a relay's incoming requests. Pass
   * `propagation` of `@opentelemetry/api` to use the globally configured
   * propagator (baggage, B3…), or `null` to send and read none.
   * @default W3C Trace Context (`traceparent`, `tracestate`), built in
   */
  propagator?: TextMapPropagator | null | undefined;
  /**
   * In a relay (`createChatHandler`), what to do with the caller's trace
   * context: `'continue'` its trace (the relay's spans are children of the
   * page's), `'link'` to it from a new trace (for callers whose trace ids you
   * do not trust: a public relay), or `'ignore'` it. When an HTTP server
   * instrumentation already made a span for the request, the relay's spans
   * go under that span whatever this says.
   * @default 'continue'
   */
  incomingTrace?: 'continue' | 'link' | 'ignore' | undefined;
}

const INCOMING = ['continue', 'link', 'ignore'];

/**
 * Traces and metrics of cohere-rx by OpenTelemetry's GenAI semantic
 * conventions: the value of the `telemetry` option of `chatStream$()`,
 * `runTools$()` and `createChatHandler()`.
 *
 * Each subscription of `chatStream$()` is a span `chat {model}` (kind
 * CLIENT) with the request's parameters, the response id, finish reasons
 * and token usage; `runTools$()` is an `invoke_agent` span with each
 * step's `chat` span and an `execute_tool {name}` span per tool call under
 * it; a relay continues the caller's trace from `traceparent`. Metrics:
 * `gen_ai.client.operation.duration`, `gen_ai.client.token.usage` and
 * `gen_ai.client.operation.time_to_first_chunk`. Failures set status ERROR
 * and `error.type`; an unsubscribe before the end, `error.type` `cancelled`;
 * retries are events on the span. Nothing of the conversation is recorded
 * unless `recordContent` is on; the API key never is. See docs/telemetry.md.
 *
 * ```text
 * chatStream$:  subscribe ──s──d──d──e──|        span "chat command-a-03-2025": start … first chunk (d) … end (|)
 * runTools$:    invoke_agent ─┬─ chat (step 1, TOOL_CALL)
 *                             ├─ execute_tool get_weather
 *                             └─ chat (step 2, COMPLETE)
 * ```
 *
 * ## Example
 * Record every chat of a Node service with the OpenTelemetry SDK set up (see docs/telemetry.md).
 * ```ts
 * import { chatStream$, textOnly } from 'cohere-rx';
 * import { openTelemetry } from 'cohere-rx/telemetry';
 *
 * const telemetry = openTelemetry();
 * chatStream$({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello!' }] }, { telemetry })
 *   .pipe(textOnly())
 *   .subscribe((text) => process.stdout.write(text));
 * ```
 *
 * @see docs/telemetry.md for the set-up, each span and metric, and an example trace.
 * @param options The tracer and meter (default: the global ones), `recordContent`, `agentName`, the propagator and `incomingTrace`.
 * @returns The value of the `telemetry` option.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Telemetry {
  const given: OpenTelemetryOptions = typeof options === 'object' && options !== null ? options : {};
  const { tracer, meter, recordContent = false, agentName, propagator, incomingTrace = 'continue' } = given;
  if (options !== undefined && given !== options) throw new CohereConfigError('options', 'expected an object');
  if (tracer !== undefined && typeof tracer?.startSpan !== 'function')
    throw new CohereConfigError('tracer', 'expected an OpenTelemetry Tracer');
  if (meter !== undefined && typeof meter?.createHistogram !== 'function')
    throw new CohereConfigError('meter', 'expected an OpenTelemetry Meter');
  if (typeof recordContent !== 'boolean') throw new CohereConfigError('recordContent', 'expected true or false');
  if (agentName !== undefined && typeof agentName !== 'string') throw new CohereConfigError('agentName', 'expected a string');
  if (propagator != null && typeof propagator.inject !== 'function')
    throw new CohereConfigError('propagator', 'expected a TextMapPropagator or null');
  if (!INCOMING.includes(incomingTrace)) throw new CohereConfigError('incomingTrace', "expected 'continue', 'link' or 'ignore'");
  const shared = createShared(
    tracer ?? trace.getTracer('cohere-rx'),
    () => meter ?? metrics.getMeter('cohere-rx'),
    recordContent,
    agentName,
    propagator === undefined ? w3cTraceContext : propagator,
    incomingTrace,
  );
  return new OpenTelemetryRecorder(shared);
}
