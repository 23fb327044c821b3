import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, toArray } from 'rxjs';
import { chatStream$, defineTool, runTools$, type ChatRequest, type ChatStreamOptions } from '../../lib';
import { createChatHandler, toNodeHandler } from '../../lib/server';
import { openTelemetry } from '../../lib/telemetry';
import { messageEnd, messageStart } from '../../lib/testing/events';
import { answerEvents, pickByStep, startReplayServer, toolCallEvents, type ReplayServer } from '../../lib/testing';
import { exportedText, startOtel, type Otel } from '../helpers/otel';

// The API key never reaches telemetry: not in an attribute, an event, a
// status, a link or a metric, however the key is given and whatever the
// server echoes, even with recordContent on. Each case uses a fresh random
// key and searches everything the exporters hold for it, whole or in pieces.
const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris?' }] };
const get_weather = defineTool<{ city: string }>({ execute: ({ city }) => ({ city }) });

let key: string;
let upstream: ReplayServer;
let otel: Otel;
beforeEach(async () => {
  key = `co-${randomBytes(24).toString('base64url')}`;
  upstream = await startReplayServer({
    pick: pickByStep([toolCallEvents([{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'c1' }]), answerEvents('Sunny.')]),
  });
  otel = startOtel();
});
afterEach(async () => {
  await upstream.close();
  await otel.shutdown();
  delete process.env['CO_API_KEY'];
});

/** Fails when the key, or any 8 characters of it, is in what was exported. */
async function expectNoKey(): Promise<void> {
  const text = await exportedText(otel);
  expect(otel.spans().length).toBeGreaterThan(0);
  expect(text).not.toContain(key);
  for (let i = 0; i + 8 <= key.length; i++) expect(text).not.toContain(key.slice(i, i + 8));
}
const telemetry = () => openTelemetry({ tracer: otel.tracer, meter: otel.meter, recordContent: true });
const run = (options: ChatStreamOptions) =>
  lastValueFrom(chatStream$(request, { baseUrl: upstream.url, maxRetries: 0, telemetry: telemetry(), ...options }).pipe(toArray()));

describe('telemetry and the API key', () => {
  it('should record nothing of a key given as apiKey', async () => {
    await run({ apiKey: key });
    await expectNoKey();
  });

  it('should record nothing of a key from CO_API_KEY, or from an Authorization header', async () => {
    process.env['CO_API_KEY'] = key;
    await run({});
    await run({ headers: { authorization: `Bearer ${key}` } });
    await expectNoKey();
  });

  it('should record nothing of a key the server echoes in an error, a retried error, or a generation error', async () => {
    upstream.failNext({ kind: 'status', status: 503, message: `overloaded for ${key}`, retryAfter: '0' });
    upstream.failNext({ kind: 'status', status: 401, message: `invalid api token ${key}` });
    await expect(run({ apiKey: key, maxRetries: 1 })).rejects.toMatchObject({ name: 'CohereApiError', status: 401 });
    await upstream.close();
    upstream = await startReplayServer({ pick: () => [messageStart('r'), messageEnd('ERROR', undefined, `key ${key} rejected`)] });
    await expect(run({ apiKey: key })).rejects.toMatchObject({ name: 'CohereGenerationError' });
    expect(otel.spans().map((s) => s.attributes['error.type'])).toEqual(['CohereApiError', 'CohereGenerationError']);
    expect(otel.spans()[0]!.events).toHaveLength(1); // the retry
    await expectNoKey();
  });

  it('should record nothing of the key in a tool loop', async () => {
    await lastValueFrom(
      runTools$(request, { baseUrl: upstream.url, apiKey: key, maxRetries: 0, tools: { get_weather }, telemetry: telemetry() }).pipe(
        toArray(),
      ),
    );
    expect(otel.spans().map((s) => s.name)).toContain('execute_tool get_weather');
    await expectNoKey();
  });

  it('should record nothing of the relay’s key, on the relay or in the page', async () => {
    const handler = toNodeHandler(
      createChatHandler({ apiKey: key, baseUrl: upstream.url, maxRetries: 0, tools: { get_weather }, telemetry: telemetry() }),
    );
    const http: Server = createServer(handler);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api`;
      await lastValueFrom(chatStream$(request, { baseUrl: url, apiKey: '', telemetry: telemetry() }).pipe(toArray()));
      upstream.failNext({ kind: 'status', status: 401, message: `invalid api token ${key}` });
      await expect(lastValueFrom(chatStream$(request, { baseUrl: url, apiKey: '', telemetry: telemetry() }))).rejects.toThrow();
    } finally {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    expect(otel.spans().filter((s) => s.attributes['error.type'] !== undefined).length).toBeGreaterThanOrEqual(2);
    await expectNoKey();
  });
});
