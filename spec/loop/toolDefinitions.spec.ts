// The `tools` runTools$ sends, built from its definitions: Cohere requires a
// function's `parameters`, so a tool defined without any sends an empty
// object schema. Checked on the request a real loopback server receives.
import { lastValueFrom } from 'rxjs';
import { runTools$, type ChatRequest } from '../../lib';
import { answerEvents } from '../../lib/testing/eventSequences';
import { sseHeaders, startLoopback, type Loopback } from '../helpers/loopback';
import { request, toSse } from '../helpers/sse';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('runTools$ tool definitions', () => {
  it('should send parameters for every tool: its own, or { type: object, properties: {} } when it has none', async () => {
    server = await startLoopback((_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(toSse(answerEvents('Done.')));
    });
    const city = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    await lastValueFrom(
      runTools$(request as ChatRequest, {
        baseUrl: server.url,
        apiKey: 'k',
        tools: {
          now: { execute: () => 'noon' },
          get_weather: { description: 'Weather in a city', parameters: city, execute: () => 'sunny' },
        },
      }),
    );
    const sent = JSON.parse(server.requests[0]!.body) as ChatRequest;
    expect(sent.tools).toEqual([
      { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } },
      { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: city } },
    ]);
  });
});
