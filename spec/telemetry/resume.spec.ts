import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, Observable, toArray } from 'rxjs';
import { chatStream$, resumeChat$, type ChatStreamEvent, type Telemetry } from '../../lib';
import { createChatHandler, memoryStore, toNodeHandler } from '../../lib/server';
import { openTelemetry } from '../../lib/telemetry';
import { answerEvents, startReplayServer, tokenize, type ReplayServer } from '../../lib/testing';
import { startOtel, type Otel } from '../helpers/otel';

// resumeChat$ recorded by the real OpenTelemetry SDK: a generation started
// through a real relay (memoryStore, loopback HTTP), then continued by id.
const TEXT = 'A generation continued after a reload.';
const answer = answerEvents(TEXT, { id: 'resp-resumed' });

let upstream: ReplayServer;
let relay: Server;
let base: string;
let otel: Otel;
beforeEach(async () => {
  upstream = await startReplayServer({ pick: () => answer });
  relay = createServer(
    toNodeHandler(createChatHandler({ apiKey: 'server-key', baseUrl: upstream.url, maxRetries: 0, store: memoryStore() })),
  );
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  otel = startOtel();
});
afterEach(async () => {
  relay.closeAllConnections();
  await new Promise((resolve) => relay.close(resolve));
  await upstream.close();
  await otel.shutdown();
});

/** Runs a whole generation through the relay (not recorded) and gives its id. */
async function generation(): Promise<string> {
  let id: string | null = null;
  const request = { model: 'command-a-03-2025', messages: [{ role: 'user' as const, content: 'Go on' }] };
  await lastValueFrom(
    chatStream$(request, {
      baseUrl: base,
      apiKey: '',
      maxRetries: 0,
      onResponse: ({ headers }) => (id = headers.get('x-cohere-rx-generation')),
    }),
  );
  expect(id).not.toBeNull();
  return id!;
}

describe('openTelemetry() on resumeChat$', () => {
  it('should record a CLIENT span "chat" with the generation id, where it resumed and the finish reasons, and no usage nor metrics', async () => {
    const id = await generation();
    const telemetry = openTelemetry({ tracer: otel.tracer, meter: otel.meter });
    const events = await lastValueFrom(resumeChat$(id, { baseUrl: base, apiKey: '', telemetry, lastEventId: 2 }).pipe(toArray()));
    expect(events.length).toBe(answer.length - 2);
    const span = otel.span('chat');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'cohere',
      'gen_ai.request.stream': true,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(base).port),
      'cohere_rx.generation.id': id,
      'cohere_rx.generation.resumed_after': 2,
      // (No gen_ai.response.id: it comes with message-start, the first frame, before where this resumed.)
      'gen_ai.response.finish_reasons': ['COMPLETE'],
      // No gen_ai.usage.* nor time to first chunk, though message-end came with usage: the tokens were used
      // (and billed), and the model waited for, by the request that started the generation; nor any metric.
    });
    expect(events.at(-1)).toMatchObject({
      type: 'message-end',
      delta: { usage: { billed_units: { output_tokens: tokenize(TEXT).length } } },
    });
    expect(await otel.histogram('gen_ai.client.token.usage')).toEqual([]);
    expect(await otel.histogram('gen_ai.client.operation.duration')).toEqual([]);
    expect(await otel.histogram('gen_ai.client.operation.time_to_first_chunk')).toEqual([]);
  });

  it('should send the span as traceparent on the GET, and end it in error for an unknown id', async () => {
    const telemetry = openTelemetry({ tracer: otel.tracer, meter: otel.meter });
    const seen: (string | undefined)[] = [];
    relay.prependListener('request', (req) => void seen.push(req.headers.traceparent as string | undefined));
    const unknown = '0f6c8a52-3e1b-4c9a-9a2d-5b7e1f0c4d21';
    await expect(lastValueFrom(resumeChat$(unknown, { baseUrl: base, apiKey: '', telemetry, maxRetries: 0 }))).rejects.toThrow();
    const span = otel.span('chat');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['cohere_rx.generation.id']).toBe(unknown);
    expect(span.attributes).not.toHaveProperty('cohere_rx.generation.resumed_after');
    expect(span.attributes['error.type']).toBe('CohereIncompleteStreamError');
    expect(seen[0]).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });

  it('should record nothing, and stream as before, with a telemetry that has no resume hook', async () => {
    const id = await generation();
    const chats: unknown[] = [];
    const telemetry: Telemetry = {
      chat: (request, _baseUrl, open) => {
        chats.push(request);
        return open({});
      },
      loop: (_request, _tools, open) => open({ steps: telemetry, tool: (_call, _step, run$) => run$ }),
    };
    const events: ChatStreamEvent[] = await lastValueFrom(resumeChat$(id, { baseUrl: base, apiKey: '', telemetry }).pipe(toArray()));
    expect(events).toHaveLength(answer.length);
    expect(chats).toEqual([]);
  });

  it("should hand a custom recorder's resume hook the id, lastEventId and baseUrl, and stream through what it returns", async () => {
    const id = await generation();
    const calls: unknown[] = [];
    const telemetry: Telemetry = {
      chat: (_request, _baseUrl, open) => open({}),
      loop: (_request, _tools, open) => open({ steps: telemetry, tool: (_call, _step, run$) => run$ }),
      resume: (resumed, baseUrl, open) =>
        new Observable<ChatStreamEvent>((subscriber) => {
          calls.push({ resumed, baseUrl });
          return open({ headers: { 'x-recorded-by': 'custom' } }).subscribe(subscriber);
        }),
    };
    let sent: string | undefined;
    relay.prependListener('request', (req) => void (sent = req.headers['x-recorded-by'] as string | undefined));
    const events = await lastValueFrom(resumeChat$(id, { baseUrl: base, apiKey: '', telemetry, lastEventId: 5 }).pipe(toArray()));
    expect(events).toHaveLength(answer.length - 5);
    expect(calls).toEqual([{ resumed: { id, lastEventId: 5 }, baseUrl: base }]);
    expect(sent).toBe('custom');
  });
});
