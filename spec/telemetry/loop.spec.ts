import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { lastValueFrom, NEVER, toArray } from 'rxjs';
import { defineTool, runTools$, type ChatRequest, type RunToolsOptions, type ToolDefinition } from '../../lib';
import { openTelemetry } from '../../lib/telemetry';
import { answerEvents, pickByStep, startReplayServer, toolCallEvents, type ReplayServer } from '../../lib/testing';
import { startOtel, type Otel } from '../helpers/otel';

// runTools$ against the replay server scripted for a two-step loop (two tool
// calls, then the answer), recorded by the real OpenTelemetry SDK. No
// context manager is registered: the span tree comes from the parents
// cohere-rx passes explicitly.
const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }] };
const script = [
  toolCallEvents(
    [
      { name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_paris' },
      { name: 'get_weather', arguments: { city: 'Tokyo' }, id: 'call_tokyo' },
    ],
    { id: 'turn-1' },
  ),
  answerEvents('Sunny in both.', { id: 'turn-2' }),
];
const get_weather = defineTool<{ city: string }>({
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: ({ city }) => ({ city, tempC: city === 'Paris' ? 21 : 25 }),
});

let server: ReplayServer;
let otel: Otel;
beforeEach(async () => {
  server = await startReplayServer({ pick: pickByStep(script) });
  otel = startOtel();
});
afterEach(async () => {
  await server.close();
  await otel.shutdown();
});

const options = (extra: Partial<RunToolsOptions> = {}): RunToolsOptions => ({
  baseUrl: server.url,
  apiKey: 'test-key',
  maxRetries: 0,
  tools: { get_weather },
  telemetry: openTelemetry({ tracer: otel.tracer, meter: otel.meter }),
  ...extra,
});
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan): string => span.spanContext().spanId;

describe('openTelemetry() on runTools$', () => {
  it('should make an invoke_agent span the parent of each step’s chat span and of each execute_tool span', async () => {
    await lastValueFrom(runTools$(request, options()).pipe(toArray()));
    const loop = otel.span('invoke_agent');
    const chats = otel.spans().filter((s) => s.name === 'chat command-a-03-2025');
    const tools = otel.spans().filter((s) => s.name === 'execute_tool get_weather');
    expect(loop.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(loop)).toBeUndefined();
    expect(chats).toHaveLength(2);
    expect(tools).toHaveLength(2);
    for (const child of [...chats, ...tools]) {
      expect(parentOf(child)).toBe(idOf(loop));
      expect(child.spanContext().traceId).toBe(loop.spanContext().traceId);
    }
    // In time: step 1's chat, then its tools, then step 2's chat.
    const [first, second] = chats.sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    expect(first!.attributes['gen_ai.response.finish_reasons']).toEqual(['TOOL_CALL']);
    expect(second!.attributes['gen_ai.response.finish_reasons']).toEqual(['COMPLETE']);
  });

  it('should give each execute_tool span the tool’s name, call id, type and description', async () => {
    await lastValueFrom(runTools$(request, options()).pipe(toArray()));
    const tools = otel.spans().filter((s) => s.name === 'execute_tool get_weather');
    expect(tools.map((s) => s.kind)).toEqual([SpanKind.INTERNAL, SpanKind.INTERNAL]);
    expect(
      tools.map((s) => s.attributes).sort((a, b) => String(a['gen_ai.tool.call.id']).localeCompare(String(b['gen_ai.tool.call.id']))),
    ).toEqual(
      ['call_paris', 'call_tokyo'].map((id) => ({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.provider.name': 'cohere',
        'gen_ai.tool.name': 'get_weather',
        'gen_ai.tool.call.id': id,
        'gen_ai.tool.type': 'function',
        'gen_ai.tool.description': 'Current weather in a city',
      })),
    );
  });

  it('should sum the steps’ billed usage on the loop span and count its steps', async () => {
    await lastValueFrom(runTools$(request, options()).pipe(toArray()));
    const loop = otel.span('invoke_agent');
    expect(loop.status.code).toBe(SpanStatusCode.UNSET);
    expect(loop.attributes).toEqual({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'cohere',
      'gen_ai.request.model': 'command-a-03-2025',
      'gen_ai.response.id': 'turn-2',
      'gen_ai.response.finish_reasons': ['COMPLETE'],
      // toolCallEvents bills 20 + 10, answerEvents 10 + one per piece of text.
      'gen_ai.usage.input_tokens': 30,
      'gen_ai.usage.output_tokens':
        10 +
        (otel.spans().find((s) => s.attributes['gen_ai.response.id'] === 'turn-2')!.attributes['gen_ai.usage.output_tokens'] as number),
      'cohere_rx.loop.steps': 2,
    });
  });

  it('should name the loop span after agentName', async () => {
    const telemetry = openTelemetry({ tracer: otel.tracer, meter: otel.meter, agentName: 'Weather Desk' });
    await lastValueFrom(runTools$(request, options({ telemetry })).pipe(toArray()));
    expect(otel.span('invoke_agent Weather Desk').attributes['gen_ai.agent.name']).toBe('Weather Desk');
  });

  it('should record a failed tool as an error of its execute_tool span only', async () => {
    const flaky: ToolDefinition = {
      execute: ({ city }: { city: string }) => {
        if (city === 'Tokyo') throw new RangeError('no station');
        return { city };
      },
    };
    await lastValueFrom(runTools$(request, options({ tools: { get_weather: flaky } })).pipe(toArray()));
    const tools = otel.spans().filter((s) => s.name === 'execute_tool get_weather');
    const failed = tools.find((s) => s.attributes['gen_ai.tool.call.id'] === 'call_tokyo')!;
    const fine = tools.find((s) => s.attributes['gen_ai.tool.call.id'] === 'call_paris')!;
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR }); // a tool's own message may hold anything: only with recordContent
    expect(failed.attributes['error.type']).toBe('RangeError');
    expect(fine.status.code).toBe(SpanStatusCode.UNSET);
    expect(otel.span('invoke_agent').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('should record an unknown tool as a CohereError of its execute_tool span', async () => {
    await lastValueFrom(runTools$(request, options({ tools: { other: get_weather } })).pipe(toArray()));
    const tools = otel.spans().filter((s) => s.name === 'execute_tool get_weather');
    expect(tools.map((s) => s.attributes['error.type'])).toEqual(['CohereError', 'CohereError']);
    expect(tools.map((s) => s.attributes['gen_ai.tool.description'])).toEqual([undefined, undefined]);
  });

  it('should end the loop and its running tool with error.type "cancelled" on an unsubscribe', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const stuck = defineTool<{ city: string }>({
      execute: () => {
        started();
        return NEVER;
      },
    });
    const subscription = runTools$(request, options({ tools: { get_weather: stuck }, toolConcurrency: 1 })).subscribe();
    await running;
    subscription.unsubscribe();
    // Unsubscribed while the first tool waited (the second never started).
    const loop = otel.span('invoke_agent');
    const tools = otel.spans().filter((s) => s.name === 'execute_tool get_weather');
    expect(tools).toHaveLength(1);
    for (const span of [loop, tools[0]!]) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('cancelled');
    }
    expect(otel.span('chat command-a-03-2025').attributes['error.type']).toBeUndefined();
  });

  it('should end the loop span with CohereMaxStepsError when the steps run out', async () => {
    await expect(lastValueFrom(runTools$(request, options({ maxSteps: 1 })))).rejects.toMatchObject({ name: 'CohereMaxStepsError' });
    const loop = otel.span('invoke_agent');
    expect(loop.status).toEqual({ code: SpanStatusCode.ERROR, message: expect.stringContaining('1') });
    expect(loop.attributes['error.type']).toBe('CohereMaxStepsError');
    expect(loop.attributes['cohere_rx.loop.steps']).toBe(1);
  });

  it('should record a step’s HTTP failure on its chat span and on the loop span', async () => {
    server.failNext({ kind: 'status', status: 500 });
    await expect(lastValueFrom(runTools$(request, options()))).rejects.toMatchObject({ name: 'CohereApiError' });
    expect(otel.span('chat command-a-03-2025').attributes['error.type']).toBe('CohereApiError');
    expect(otel.span('invoke_agent').attributes['error.type']).toBe('CohereApiError');
  });

  it('should record no tool arguments, results or messages by default', async () => {
    await lastValueFrom(runTools$(request, options()).pipe(toArray()));
    const text = JSON.stringify(otel.spans().map((s) => [s.attributes, s.events, s.status]));
    for (const content of ['Paris', 'Tokyo', 'tempC', 'Sunny', 'Weather in']) expect(text).not.toContain(content);
  });

  it('should record tool arguments and results, and the loop’s messages, with recordContent: true', async () => {
    const telemetry = openTelemetry({ tracer: otel.tracer, meter: otel.meter, recordContent: true });
    await lastValueFrom(runTools$(request, options({ telemetry })).pipe(toArray()));
    const paris = otel.spans().find((s) => s.attributes['gen_ai.tool.call.id'] === 'call_paris')!;
    expect(JSON.parse(paris.attributes['gen_ai.tool.call.arguments'] as string)).toEqual({ city: 'Paris' });
    expect(JSON.parse(paris.attributes['gen_ai.tool.call.result'] as string)).toEqual({ city: 'Paris', tempC: 21 });
    const loop = otel.span('invoke_agent');
    expect(JSON.parse(loop.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris and Tokyo?' }] },
    ]);
    expect(JSON.parse(loop.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Sunny in both.' }], finish_reason: 'stop' },
    ]);
    // Step 2's chat was sent the whole conversation: the call and its result among its input messages.
    const step2 = otel.spans().find((s) => s.attributes['gen_ai.response.id'] === 'turn-2')!;
    const input = JSON.parse(step2.attributes['gen_ai.input.messages'] as string) as { role: string; parts: { type: string }[] }[];
    expect(input.map((m) => [m.role, m.parts.map((p) => p.type)])).toEqual([
      ['user', ['text']],
      ['assistant', ['reasoning', 'tool_call', 'tool_call']],
      ['tool', ['tool_call_response']],
      ['tool', ['tool_call_response']],
    ]);
    expect(input[1]!.parts[1]).toEqual({ type: 'tool_call', id: 'call_paris', name: 'get_weather', arguments: { city: 'Paris' } });
    expect(input[2]!.parts[0]).toEqual({ type: 'tool_call_response', id: 'call_paris', response: [{ city: 'Paris', tempC: 21 }] });
  });
});
