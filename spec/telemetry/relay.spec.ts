import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { lastValueFrom, toArray } from 'rxjs';
import { chatStream$, defineTool, type ChatRequest } from '../../lib';
import { createChatHandler, toNodeHandler, type ChatHandlerOptions } from '../../lib/server';
import { openTelemetry, type OpenTelemetryOptions } from '../../lib/telemetry';
import { answerEvents, pickByStep, startReplayServer, toolCallEvents, type ReplayServer } from '../../lib/testing';
import { startOtel, type Otel } from '../helpers/otel';

// One trace page → relay → Cohere, over real HTTP on loopback: the page is
// our chatStream$ with its own telemetry (its own SDK instance, as a browser
// would have), the relay is createChatHandler behind node:http with another,
// and the upstream is the replay server.
const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris?' }] };
const script = [
  toolCallEvents([{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_paris' }], { id: 'turn-1' }),
  answerEvents('Sunny.', { id: 'turn-2' }),
];
const get_weather = defineTool<{ city: string }>({ execute: ({ city }) => ({ city, tempC: 21 }) });

let upstream: ReplayServer;
let page: Otel;
let server: Otel;
let relay: { url: string; close(): Promise<void> } | undefined;
beforeEach(async () => {
  upstream = await startReplayServer({ pick: pickByStep(script) });
  page = startOtel();
  server = startOtel();
});
afterEach(async () => {
  await relay?.close();
  relay = undefined;
  await upstream.close();
  await page.shutdown();
  await server.shutdown();
});

async function startRelay(options: ChatHandlerOptions, telemetry: OpenTelemetryOptions = {}): Promise<string> {
  const handler = toNodeHandler(
    createChatHandler({
      apiKey: 'server-key',
      baseUrl: upstream.url,
      maxRetries: 0,
      telemetry: openTelemetry({ tracer: server.tracer, meter: server.meter, ...telemetry }),
      ...options,
    }),
  );
  const sockets = new Set<Socket>();
  const http: Server = createServer(handler);
  http.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  relay = {
    url,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return url;
}

/** The page: chatStream$ to the relay, no key, its own telemetry. */
async function ask(url: string): Promise<ReadableSpan> {
  const telemetry = openTelemetry({ tracer: page.tracer, meter: page.meter });
  await lastValueFrom(chatStream$(request, { baseUrl: `${url}/api`, apiKey: '', maxRetries: 0, telemetry }).pipe(toArray()));
  return page.span('chat command-a-03-2025');
}
const ids = (span: ReadableSpan) => ({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });

describe('openTelemetry() through the relay', () => {
  it('should continue the page’s trace: the relay’s chat span is a child of the page’s', async () => {
    const url = await startRelay({});
    const pageSpan = await ask(url);
    const relaySpan = server.span('chat command-a-03-2025');
    expect(relaySpan.spanContext().traceId).toBe(pageSpan.spanContext().traceId);
    expect(relaySpan.parentSpanContext?.spanId).toBe(pageSpan.spanContext().spanId);
    expect(relaySpan.parentSpanContext?.isRemote).toBe(true);
    expect(relaySpan.kind).toBe(SpanKind.CLIENT);
    // …and the trace goes on upstream, from the relay's span.
    const { traceId, spanId } = ids(relaySpan);
    expect(upstream.requests[0]!.headers['traceparent']).toBe(`00-${traceId}-${spanId}-01`);
    // The page's span says where it went: the relay.
    expect(pageSpan.attributes['server.port']).toBe(Number(new URL(url).port));
    expect(relaySpan.attributes['server.port']).toBe(upstream.port);
  });

  it('should put a server-side tool loop under the page’s span: invoke_agent, its chats and its tools', async () => {
    const url = await startRelay({ tools: { get_weather } });
    const pageSpan = await ask(url);
    const loop = server.span('invoke_agent');
    expect(loop.spanContext().traceId).toBe(pageSpan.spanContext().traceId);
    expect(loop.parentSpanContext?.spanId).toBe(pageSpan.spanContext().spanId);
    const children = server.spans().filter((s) => s !== loop);
    expect(children.map((s) => s.name).sort()).toEqual(['chat command-a-03-2025', 'chat command-a-03-2025', 'execute_tool get_weather']);
    for (const child of children) expect(child.parentSpanContext?.spanId).toBe(loop.spanContext().spanId);
    // The page saw both messages of the loop in one stream: one span for it all.
    expect(pageSpan.attributes['gen_ai.response.finish_reasons']).toEqual(['TOOL_CALL', 'COMPLETE']);
    expect(pageSpan.attributes['gen_ai.response.id']).toBe('turn-2');
    expect(pageSpan.attributes['gen_ai.usage.input_tokens']).toBe(30);
  });

  it("should start a new trace linked to the caller's with incomingTrace: 'link'", async () => {
    const url = await startRelay({}, { incomingTrace: 'link' });
    const pageSpan = await ask(url);
    const relaySpan = server.span('chat command-a-03-2025');
    expect(relaySpan.spanContext().traceId).not.toBe(pageSpan.spanContext().traceId);
    expect(relaySpan.parentSpanContext).toBeUndefined();
    expect(relaySpan.links.map((l) => ids({ spanContext: () => l.context } as ReadableSpan))).toEqual([ids(pageSpan)]);
  });

  it("should start a new trace with no link with incomingTrace: 'ignore'", async () => {
    const url = await startRelay({}, { incomingTrace: 'ignore' });
    const pageSpan = await ask(url);
    const relaySpan = server.span('chat command-a-03-2025');
    expect(relaySpan.spanContext().traceId).not.toBe(pageSpan.spanContext().traceId);
    expect(relaySpan.parentSpanContext).toBeUndefined();
    expect(relaySpan.links).toEqual([]);
  });

  it.each([
    ['a malformed traceparent', 'not-a-trace'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['version ff', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
  ])('should start a new trace for %s', async (_what, traceparent) => {
    const url = await startRelay({});
    const response = await fetch(`${url}/api/v2/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent },
      body: JSON.stringify(request),
    });
    await response.text();
    const relaySpan = server.span('chat command-a-03-2025');
    expect(relaySpan.parentSpanContext).toBeUndefined();
    expect(relaySpan.links).toEqual([]);
  });

  it('should keep its spans to itself for a caller with no trace context', async () => {
    const url = await startRelay({});
    const response = await fetch(`${url}/api/v2/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    await response.text();
    expect(server.span('chat command-a-03-2025').parentSpanContext).toBeUndefined();
  });
});
