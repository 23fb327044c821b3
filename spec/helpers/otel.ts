// The real OpenTelemetry SDK, in memory: a tracer provider exporting every
// ended span to an InMemorySpanExporter, and a meter provider whose reader
// collects on demand. Nothing is registered globally (no global provider, no
// context manager), so each spec gets its own and parents must be passed
// explicitly, as cohere-rx does.
import type { Meter, Tracer } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A metric reader that collects only when asked (no timer). */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One histogram point, flattened for assertions. */
export interface HistogramPoint {
  attributes: Record<string, unknown>;
  count: number;
  sum: number;
  boundaries: number[];
}

export interface Otel {
  tracer: Tracer;
  meter: Meter;
  exporter: InMemorySpanExporter;
  /** Every ended span, in the order they ended. */
  spans(): ReadableSpan[];
  /** The one ended span named `name` (fails when there are none or several). */
  span(name: string): ReadableSpan;
  /** Every metric collected now, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  /** The points of histogram `name`. */
  histogram(name: string): Promise<HistogramPoint[]>;
  shutdown(): Promise<void>;
}

export function startOtel(): Otel {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const metrics = async (): Promise<Map<string, MetricData>> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    return byName;
  };
  return {
    tracer: tracerProvider.getTracer('spec'),
    meter: meterProvider.getMeter('spec'),
    exporter,
    spans: () => exporter.getFinishedSpans(),
    span: (name) => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1) throw new Error(`expected one span named ${JSON.stringify(name)}, found ${found.length}`);
      return found[0]!;
    },
    metrics,
    histogram: async (name) => {
      const metric = (await metrics()).get(name);
      if (!metric) return [];
      if (metric.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
      return metric.dataPoints.map((p) => ({
        attributes: p.attributes,
        count: p.value.count,
        sum: p.value.sum ?? NaN,
        boundaries: p.value.buckets.boundaries,
      }));
    },
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Everything an exporter would send about spans and metrics, as one string (to search for a secret). */
export async function exportedText(otel: Otel): Promise<string> {
  const spans = otel.spans().map((s) => ({
    name: s.name,
    kind: s.kind,
    attributes: s.attributes,
    status: s.status,
    events: s.events,
    links: s.links,
    resource: s.resource.attributes,
    scope: s.instrumentationScope,
  }));
  const metrics = [...(await otel.metrics()).values()];
  return JSON.stringify({ spans, metrics });
}
