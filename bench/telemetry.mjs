// Section 5 of `npm run bench` (bench/run.mjs): what the `telemetry` option
// costs per event. The same bytes through chatStream$ → textOnly(), side by
// side in one process, interleaved, rotating the order each round:
//   off      no `telemetry` option (the core's hooks are not on the event path at all)
//   on       openTelemetry() with the real SDK: a BasicTracerProvider exporting to an
//            InMemorySpanExporter, a MeterProvider with a reader (recordContent off)
//   content  the same with recordContent: true (the answer assembled for gen_ai.output.messages)
// Two shapes: one long answer (100 000 deltas, the per-event cost) and many
// short ones (200 deltas each: the per-subscription span and metrics included).
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { chatStream$, textOnly } from '../dist/index.mjs';
import { openTelemetry } from '../dist/telemetry.mjs';
import { answerText, eventChunks, rechunk, responseOf } from './transcript.mjs';

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  onForceFlush() {
    return Promise.resolve();
  }
  onShutdown() {
    return Promise.resolve();
  }
}

/**
 * @param {{ rounds: number, quick: boolean, gc: () => void, median: (xs: number[]) => number, log: (...a: unknown[]) => void, fmt: (x: number, d?: number) => string }} bench
 */
export async function telemetryBench({ rounds, quick, gc, median, log, fmt }) {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('bench');
  const meterProvider = new MeterProvider({ readers: [new Reader()] });
  const meter = meterProvider.getMeter('bench');
  const telemetry = {
    off: undefined,
    on: openTelemetry({ tracer, meter }),
    content: openTelemetry({ tracer, meter, recordContent: true }),
  };
  const request = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'bench' }] };
  const run = (name, chunks) =>
    new Promise((resolve, reject) => {
      let chars = 0;
      chatStream$(request, { fetch: async () => responseOf(chunks), apiKey: 'bench', telemetry: telemetry[name] })
        .pipe(textOnly())
        .subscribe({ next: (t) => (chars += t.length), error: reject, complete: () => resolve(chars) });
    });

  const LONG = quick ? 20_000 : 100_000;
  const SHORT = 200;
  const SHORT_STREAMS = LONG / SHORT;
  const long = rechunk(eventChunks(LONG), 16 * 1024);
  const short = eventChunks(SHORT);
  const shapes = {
    [`one answer of ${LONG} deltas (16 KiB chunks)`]: { events: LONG + 5, chars: answerText(LONG).length },
    [`${SHORT_STREAMS} answers of ${SHORT} deltas (one event per read)`]: {
      events: SHORT_STREAMS * (SHORT + 4),
      chars: answerText(SHORT).length * SHORT_STREAMS,
    },
  };
  const names = Object.keys(telemetry);
  const results = {};
  for (const [label, shape] of Object.entries(shapes)) {
    const times = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < names.length; j++) {
        const name = names[(round + j) % names.length];
        exporter.reset();
        gc();
        const t0 = performance.now();
        let chars = 0;
        if (label.startsWith('one')) chars = await run(name, long);
        else for (let i = 0; i < SHORT_STREAMS; i++) chars += await run(name, short);
        const ms = performance.now() - t0;
        if (chars !== shape.chars) throw new Error(`telemetry ${name} read ${chars} characters, expected ${shape.chars}`);
        if (name !== 'off' && exporter.getFinishedSpans().length === 0) throw new Error(`telemetry ${name} recorded no span`);
        if (round > 0 || rounds === 1) times[name].push(ms);
      }
    }
    const us = (name) => (median(times[name]) * 1000) / shape.events;
    const ratio = (a, b) => median(times[a].map((t, i) => t / times[b][i]));
    results[label] = {
      offUs: us('off'),
      onUs: us('on'),
      contentUs: us('content'),
      onOverOff: ratio('on', 'off'),
      contentOverOff: ratio('content', 'off'),
    };
    const r = results[label];
    log(
      `${label}: off ${fmt(r.offUs)} µs/event, on ${fmt(r.onUs)} (${fmt(r.onOverOff, 2)}×), on + recordContent ${fmt(r.contentUs)} (${fmt(r.contentOverOff, 2)}×)`,
    );
  }
  await meterProvider.shutdown();
  return results;
}
