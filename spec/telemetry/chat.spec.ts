import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { first, lastValueFrom, take, toArray } from 'rxjs';
import { chatStream$, CohereConfigError, type ChatRequest, type ChatStreamOptions } from '../../lib';
import { openTelemetry } from '../../lib/telemetry';
import {
  answerEvents,
  contentEnd,
  contentStart,
  messageStart,
  startReplayServer,
  thinkingDelta,
  tokenize,
  toolCallEvents,
  type ReplayServer,
} from '../../lib/testing';
import { sleep, sseHeaders, startLoopback } from '../helpers/loopback';
import { startOtel, type Otel } from '../helpers/otel';
import { toSse } from '../helpers/sse';

// chatStream$ against the replay server (real HTTP on loopback), recorded by
// the real OpenTelemetry SDK in memory.
const request: ChatRequest = {
  model: 'command-a-03-2025',
  messages: [{ role: 'user', content: 'Say hello' }],
  max_tokens: 300,
  temperature: 0.3,
  p: 0.9,
  k: 40,
  seed: 7,
  stop_sequences: ['END'],
  frequency_penalty: 0.1,
  presence_penalty: 0.2,
};
const answer = answerEvents('Hello there, friend.', { id: 'resp-1' });
/** answerEvents bills one output token per piece of the text, and 10 input tokens (of 60 counted). */
const OUTPUT_TOKENS = tokenize('Hello there, friend.').length;

let server: ReplayServer;
let otel: Otel;
beforeEach(async () => {
  server = await startReplayServer({ pick: () => answer });
  otel = startOtel();
});
afterEach(async () => {
  await server.close();
  await otel.shutdown();
});

const options = (extra: ChatStreamOptions = {}): ChatStreamOptions => ({
  baseUrl: server.url,
  apiKey: 'test-key',
  maxRetries: 0,
  telemetry: openTelemetry({ tracer: otel.tracer, meter: otel.meter }),
  ...extra,
});
const port = (): number => Number(new URL(server.url).port);

describe('openTelemetry() on chatStream$', () => {
  it('should record one CLIENT span "chat {model}" with the request, response and usage attributes', async () => {
    await lastValueFrom(chatStream$(request, options()).pipe(toArray()));
    const span = otel.span('chat command-a-03-2025');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'cohere',
      'gen_ai.request.model': 'command-a-03-2025',
      'gen_ai.request.max_tokens': 300,
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.top_k': 40,
      'gen_ai.request.seed': 7,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.frequency_penalty': 0.1,
      'gen_ai.request.presence_penalty': 0.2,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'resp-1',
      'gen_ai.response.finish_reasons': ['COMPLETE'],
      // The billed units are what is recorded (10 input tokens billed of 60 counted).
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': OUTPUT_TOKENS,
      'gen_ai.response.time_to_first_chunk': expect.any(Number),
      'server.address': '127.0.0.1',
      'server.port': port(),
    });
  });

  it('should give the sampler the operation, provider, model and server when the span starts', async () => {
    const seen: Record<string, unknown>[] = [];
    const telemetry = openTelemetry({
      tracer: {
        startSpan: (name, spanOptions, context) => {
          seen.push({ name, ...spanOptions?.attributes });
          return otel.tracer.startSpan(name, spanOptions, context);
        },
        startActiveSpan: otel.tracer.startActiveSpan.bind(otel.tracer),
      },
      meter: otel.meter,
    });
    await lastValueFrom(chatStream$(request, options({ telemetry })).pipe(toArray()));
    expect(seen).toEqual([
      expect.objectContaining({
        name: 'chat command-a-03-2025',
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'cohere',
        'gen_ai.request.model': 'command-a-03-2025',
        'server.address': '127.0.0.1',
        'server.port': port(),
      }),
    ]);
  });

  it('should record one span per subscription (cold), and none before subscribe', async () => {
    const chat$ = chatStream$(request, options());
    expect(otel.spans()).toHaveLength(0);
    await lastValueFrom(chat$.pipe(toArray()));
    await lastValueFrom(chat$.pipe(toArray()));
    const spans = otel.spans();
    expect(spans).toHaveLength(2);
    expect(spans[0]!.spanContext().spanId).not.toBe(spans[1]!.spanContext().spanId);
  });

  it("should send the chat span's trace context upstream as traceparent", async () => {
    await lastValueFrom(chatStream$(request, options()).pipe(toArray()));
    const { traceId, spanId } = otel.span('chat command-a-03-2025').spanContext();
    expect(server.requests[0]!.headers['traceparent']).toBe(`00-${traceId}-${spanId}-01`);
  });

  it('should let the headers option override the traceparent it sends', async () => {
    const mine = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await lastValueFrom(chatStream$(request, options({ headers: { traceparent: mine } })).pipe(toArray()));
    expect(server.requests[0]!.headers['traceparent']).toBe(mine);
  });

  it('should send no trace header with propagator: null, nor without telemetry', async () => {
    const telemetry = openTelemetry({ tracer: otel.tracer, meter: otel.meter, propagator: null });
    await lastValueFrom(chatStream$(request, options({ telemetry })).pipe(toArray()));
    await lastValueFrom(chatStream$(request, options({ telemetry: undefined })).pipe(toArray()));
    expect(server.requests.map((r) => r.headers['traceparent'])).toEqual([undefined, undefined]);
    expect(otel.spans()).toHaveLength(1);
  });

  it('should record the client metrics in the conventions’ units and buckets', async () => {
    await lastValueFrom(chatStream$(request, options()).pipe(toArray()));
    const common = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'cohere',
      'gen_ai.request.model': 'command-a-03-2025',
      'server.address': '127.0.0.1',
      'server.port': port(),
    };
    const metrics = await otel.metrics();
    expect(metrics.get('gen_ai.client.operation.duration')!.descriptor.unit).toBe('s');
    expect(metrics.get('gen_ai.client.token.usage')!.descriptor.unit).toBe('{token}');
    expect(metrics.get('gen_ai.client.operation.time_to_first_chunk')!.descriptor.unit).toBe('s');

    const seconds = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    const duration = await otel.histogram('gen_ai.client.operation.duration');
    expect(duration).toEqual([{ attributes: common, count: 1, sum: expect.any(Number), boundaries: seconds }]);
    const firstChunk = await otel.histogram('gen_ai.client.operation.time_to_first_chunk');
    expect(firstChunk).toEqual([{ attributes: common, count: 1, sum: expect.any(Number), boundaries: seconds }]);
    expect(firstChunk[0]!.sum).toBeLessThanOrEqual(duration[0]!.sum);

    const tokens = await otel.histogram('gen_ai.client.token.usage');
    const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    expect(tokens).toEqual([
      { attributes: { ...common, 'gen_ai.token.type': 'input' }, count: 1, sum: 10, boundaries: tokenBuckets },
      { attributes: { ...common, 'gen_ai.token.type': 'output' }, count: 1, sum: OUTPUT_TOKENS, boundaries: tokenBuckets },
    ]);
  });

  it('should take the first chunk at the first event after message-start', async () => {
    // message-start with the headers, the answer 60 ms later: time to first chunk covers the wait.
    const up = await startLoopback(async (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write(toSse(answer.slice(0, 1)));
      await sleep(60);
      res.end(toSse(answer.slice(1)));
    });
    try {
      await lastValueFrom(chatStream$(request, options({ baseUrl: up.url })).pipe(toArray()));
    } finally {
      await up.close();
    }
    const seconds = otel.span('chat command-a-03-2025').attributes['gen_ai.response.time_to_first_chunk'] as number;
    expect(seconds).toBeGreaterThanOrEqual(0.05);
    const [firstChunk] = await otel.histogram('gen_ai.client.operation.time_to_first_chunk');
    expect(firstChunk!.sum).toBe(seconds);
  });

  it('should end the span with status ERROR and error.type when the stream fails', async () => {
    server.failNext({ kind: 'status', status: 400, message: 'invalid request: temperature too hot' });
    await expect(lastValueFrom(chatStream$(request, options()))).rejects.toMatchObject({ name: 'CohereApiError', status: 400 });
    const span = otel.span('chat command-a-03-2025');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: expect.stringContaining('temperature too hot') });
    expect(span.attributes['error.type']).toBe('CohereApiError');
    expect(span.attributes['http.response.status_code']).toBe(400);
    const [duration] = await otel.histogram('gen_ai.client.operation.duration');
    expect(duration!.attributes['error.type']).toBe('CohereApiError');
    expect(await otel.histogram('gen_ai.client.token.usage')).toEqual([]);
  });

  it('should record a truncated stream as CohereIncompleteStreamError, after the usage-less events it got', async () => {
    server.failNext({ kind: 'truncate', afterEvents: 3 });
    await expect(lastValueFrom(chatStream$(request, options()))).rejects.toThrow();
    const span = otel.span('chat command-a-03-2025');
    expect(span.attributes['error.type']).toBe('CohereIncompleteStreamError');
    expect(span.attributes['gen_ai.response.id']).toBe('resp-1');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('should end the span with error.type "cancelled" on an unsubscribe before the message-end', async () => {
    await server.close();
    server = await startReplayServer({ pick: () => answer, delayMs: 20 });
    await lastValueFrom(chatStream$(request, options()).pipe(take(3), toArray()));
    const span = otel.span('chat command-a-03-2025');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('cancelled');
    expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    const [duration] = await otel.histogram('gen_ai.client.operation.duration');
    expect(duration!.attributes['error.type']).toBe('cancelled');
  });

  it('should record an unsubscribe right after the message-end as a success', async () => {
    await lastValueFrom(chatStream$(request, options()).pipe(first((e) => e.type === 'message-end')));
    const span = otel.span('chat command-a-03-2025');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(OUTPUT_TOKENS);
  });

  it('should make each retry an event on the one span, and not an error', async () => {
    server.failNext({ kind: 'status', status: 503, retryAfter: '0' });
    server.failNext({ kind: 'status', status: 429, retryAfter: '0' });
    await lastValueFrom(chatStream$(request, options({ maxRetries: 2 })).pipe(toArray()));
    const span = otel.span('chat command-a-03-2025');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events.map((e) => ({ name: e.name, attributes: e.attributes }))).toEqual([
      {
        name: 'cohere_rx.retry',
        attributes: {
          'http.request.resend_count': 1,
          'error.type': 'CohereApiError',
          'http.response.status_code': 503,
          'cohere_rx.retry.delay': 0,
        },
      },
      {
        name: 'cohere_rx.retry',
        attributes: {
          'http.request.resend_count': 2,
          'error.type': 'CohereApiError',
          'http.response.status_code': 429,
          'cohere_rx.retry.delay': 0,
        },
      },
    ]);
    // Every attempt carried the same span's context.
    const { traceId, spanId } = span.spanContext();
    expect(server.requests.map((r) => r.headers['traceparent'])).toEqual(Array(3).fill(`00-${traceId}-${spanId}-01`));
  });

  it('should record no conversation content by default', async () => {
    await lastValueFrom(chatStream$(request, options()).pipe(toArray()));
    const text = JSON.stringify(otel.spans().map((s) => [s.attributes, s.events, s.status]));
    expect(text).not.toContain('Say hello');
    expect(text).not.toContain('friend');
    expect(Object.keys(otel.span('chat command-a-03-2025').attributes).filter((k) => k.endsWith('messages'))).toEqual([]);
  });

  it('should record the input and output messages in the conventions’ shapes with recordContent: true', async () => {
    const telemetry = openTelemetry({ tracer: otel.tracer, meter: otel.meter, recordContent: true });
    await lastValueFrom(chatStream$(request, options({ telemetry })).pipe(toArray()));
    const { attributes } = otel.span('chat command-a-03-2025');
    expect(JSON.parse(attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Say hello' }] },
    ]);
    expect(JSON.parse(attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello there, friend.' }], finish_reason: 'stop' },
    ]);
  });

  it('should record thinking, a tool plan and tool calls among the output messages with recordContent: true', async () => {
    await server.close();
    const turn = [
      messageStart('resp-2'),
      contentStart(0, 'thinking'),
      thinkingDelta('Weather needs '),
      thinkingDelta('a tool.'),
      contentEnd(0),
      ...toolCallEvents([{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_1' }], { plan: 'I will look it up.' }).slice(1),
    ];
    server = await startReplayServer({ pick: () => turn });
    const telemetry = openTelemetry({ tracer: otel.tracer, meter: otel.meter, recordContent: true });
    await lastValueFrom(chatStream$(request, options({ telemetry })).pipe(toArray()));
    expect(JSON.parse(otel.span('chat command-a-03-2025').attributes['gen_ai.output.messages'] as string)).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'I will look it up.' },
          { type: 'reasoning', content: 'Weather needs a tool.' },
          { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
  });

  it('should fail at subscribe with a CohereConfigError naming telemetry when it is not a telemetry', async () => {
    const bad = { telemetry: {} } as unknown as ChatStreamOptions;
    await expect(lastValueFrom(chatStream$(request, options(bad)))).rejects.toMatchObject({
      name: 'CohereConfigError',
      option: 'telemetry',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('should refuse options that can never work with a CohereConfigError', () => {
    expect(() => openTelemetry({ incomingTrace: 'trust' as 'continue' })).toThrow(CohereConfigError);
    expect(() => openTelemetry({ recordContent: 'yes' as unknown as boolean })).toThrow(/recordContent/);
    expect(() => openTelemetry({ tracer: {} as never })).toThrow(/tracer/);
  });
});
