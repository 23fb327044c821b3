import { lastValueFrom, toArray } from 'rxjs';
import { CohereMaxStepsError, defineTool, isStepEndEvent, runTools$, textOnly, type ChatRequest } from '../../lib';
import { answerEvents, pickByStep, startReplayServer, toolCallEvents, type ReplayServer } from '../../lib/testing';
import { collect } from '../helpers/collect';

// The testing entry point scripts multi-step loops, so users can test theirs offline.
let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }] };

describe('runTools$ against the replay server', () => {
  it('should play the built-in tool-calls transcript, then tool-answer once the results are back', async () => {
    server = await startReplayServer();
    const cities: string[] = [];
    const get_weather = defineTool<{ location: string }>({ execute: ({ location }) => (cities.push(location), { location, tempC: 20 }) });
    const text = await lastValueFrom(
      runTools$(request, { baseUrl: server.url, apiKey: '', tools: { get_weather } }).pipe(textOnly(), toArray()),
    );
    expect(cities).toEqual(['Paris', 'Tokyo']);
    expect(server.requests.map((r) => r.transcript)).toEqual(['tool-calls', 'tool-answer']);
    expect(text.join('')).toContain('Paris');
  });

  it('should follow a script by step with pickByStep and toolCallEvents', async () => {
    server = await startReplayServer({
      pick: pickByStep([
        toolCallEvents([{ name: 'lookup_order', arguments: { id: 'A-17' } }], { id: 'one' }),
        toolCallEvents([{ name: 'shipping_date', arguments: '{"order":"A-17"}', id: 'ship_1' }, { name: 'now' }], { id: 'two' }),
        answerEvents('Your order A-17 ships tomorrow.', { id: 'three' }),
      ]),
    });
    const calls: string[] = [];
    const tool = (name: string) => ({ execute: (args: object) => (calls.push(`${name} ${JSON.stringify(args)}`), { ok: name }) });
    const out = await collect(
      runTools$(request, {
        baseUrl: server.url,
        apiKey: '',
        tools: { lookup_order: tool('lookup_order'), shipping_date: tool('shipping_date'), now: tool('now') },
      }),
    );
    expect(out.completed).toBe(true);
    expect(calls).toEqual(['lookup_order {"id":"A-17"}', 'shipping_date {"order":"A-17"}', 'now {}']);
    const ends = out.values.filter(isStepEndEvent);
    expect(ends.map((e) => e.response.id)).toEqual(['one', 'two', 'three']);
    expect(server.requests.map((r) => r.transcript)).toEqual(['(events)', '(events)', '(events)']);
    // a new user question starts the script over
    const next = { ...request, messages: [...ends[2]!.messages, { role: 'user' as const, content: 'And order B-2?' }] };
    const again = await collect(
      runTools$(next, {
        baseUrl: server.url,
        apiKey: '',
        tools: { lookup_order: tool('lookup_order'), shipping_date: tool('shipping_date'), now: tool('now') },
      }),
    );
    expect(again.values.filter(isStepEndEvent)[0]!.response.id).toBe('one');
  });

  it('should repeat the last step past the end of the script (a model that never stops)', async () => {
    server = await startReplayServer({ pick: pickByStep([toolCallEvents([{ name: 'again' }])]) });
    const out = await collect(
      runTools$(request, { baseUrl: server.url, apiKey: '', maxSteps: 4, tools: { again: { execute: () => ({}) } } }),
    );
    expect(out.error).toBeInstanceOf(CohereMaxStepsError);
    expect(server.requests).toHaveLength(4);
  });
});
