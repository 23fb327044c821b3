import { forkJoin, last, lastValueFrom, share, toArray } from 'rxjs';
import {
  accumulateMessage,
  chatStream$,
  collectCitations,
  parseToolCallArguments,
  textOnly,
  thinkingOnly,
  toolCalls,
  toolPlan,
  usage,
  type ChatRequest,
} from '../lib';
import { startReplayServer, type ReplayServer } from '../lib/testing';

// The operators over real HTTP, all on one shared stream: they must agree with
// each other and with the raw events.
let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer({ chunking: 7 }); // small writes: events split across reads
});
afterAll(() => server.close());

function everything(request: ChatRequest) {
  const events$ = chatStream$(request, { baseUrl: server.url, apiKey: 'k' }).pipe(share());
  return forkJoin({
    events: events$.pipe(toArray()),
    text: events$.pipe(textOnly(), toArray()),
    thinking: events$.pipe(thinkingOnly(), toArray()),
    plan: events$.pipe(toolPlan(), toArray()),
    calls: events$.pipe(toolCalls(), toArray()),
    citations: events$.pipe(collectCitations(), toArray()),
    usage: events$.pipe(usage(), toArray()),
    final: events$.pipe(accumulateMessage(), last()),
  });
}

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather',
      parameters: { type: 'object', properties: { location: { type: 'string' } } },
    },
  },
];

describe('operators end to end', () => {
  it('should agree on a tool-use turn and on the answer after the tool results', async () => {
    const question: ChatRequest = {
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
      tools,
    };
    const turn1 = await lastValueFrom(everything(question));
    expect(server.requests[server.requests.length - 1]!.transcript).toBe('tool-calls');
    const { events, plan, calls, final, usage: used, text } = turn1;
    expect(events[0]!.type).toBe('message-start');
    expect(text).toEqual([]);
    expect(plan.join('')).toBe(final.message.tool_plan);
    expect(plan.join('')).toBe(events.flatMap((e) => (e.type === 'tool-plan-delta' ? [e.delta?.message?.tool_plan ?? ''] : [])).join(''));
    expect(calls).toHaveLength(2);
    expect(calls).toEqual(final.message.tool_calls);
    expect(calls.map((c) => c.function.name)).toEqual(['get_weather', 'get_weather']);
    expect(calls.map((c) => parseToolCallArguments(c))).toEqual([{ location: 'Paris' }, { location: 'Tokyo' }]);
    expect(final.finish_reason).toBe('TOOL_CALL');
    expect(used).toEqual([final.usage]);
    expect(final.id).toBe((events[0] as { id: string }).id);

    // The app runs the tools and sends the assistant message back as it is.
    const results = { Paris: { temperature_c: 18, conditions: 'sunny' }, Tokyo: { temperature_c: 24, conditions: 'light rain' } };
    const followUp: ChatRequest = {
      ...question,
      messages: [
        ...question.messages,
        final.message,
        ...calls.map((c) => ({
          role: 'tool' as const,
          tool_call_id: c.id,
          content: JSON.stringify(results[parseToolCallArguments<{ location: 'Paris' | 'Tokyo' }>(c).location]),
        })),
      ],
    };
    const turn2 = await lastValueFrom(everything(followUp));
    const sent = server.requests[server.requests.length - 1]!;
    expect(sent.transcript).toBe('tool-answer');
    expect((sent.body!['messages'] as unknown[])[1]).toEqual(JSON.parse(JSON.stringify(final.message)));
    const answer = turn2.text.join('');
    expect(answer).toMatch(/^It is 18°C and sunny in Paris/);
    expect(turn2.final.message.content).toEqual([{ type: 'text', text: answer }]);
    const cited = turn2.citations[turn2.citations.length - 1]!;
    expect(cited).toEqual(turn2.final.message.citations);
    for (const c of cited) expect(answer.slice(c.start, c.end)).toBe(c.text);
    expect(cited.flatMap((c) => c.sources ?? []).every((s) => s.type === 'tool')).toBe(true);
  });

  it('should agree on a RAG answer with citations', async () => {
    const request: ChatRequest = {
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'Where do emperor penguins live, and how tall are they?' }],
      documents: [
        { id: 'doc-0', data: { title: 'Emperor penguin' } },
        { id: 'doc-1', data: { title: 'Antarctic habitats' } },
      ],
    };
    const { events, text, citations, final, calls, plan } = await lastValueFrom(everything(request));
    const answer = text.join('');
    expect(answer.startsWith('Emperor penguins live only in Antarctica')).toBe(true);
    expect(final.message.content).toEqual([{ type: 'text', text: answer }]);
    expect(calls).toEqual([]);
    expect(plan).toEqual([]);
    // collectCitations grows one by one, and ends equal to the snapshot's list
    expect(citations.map((list) => list.length)).toEqual([1, 2, 3, 4]);
    expect(citations[3]).toEqual(final.message.citations);
    expect(citations[3]).toEqual(events.flatMap((e) => (e.type === 'citation-start' ? [e.delta?.message?.citations] : [])));
    for (const c of citations[3]!) {
      expect(answer.slice(c.start, c.end)).toBe(c.text);
      expect(c.sources?.[0]?.type).toBe('document');
    }
    expect(final.finish_reason).toBe('COMPLETE');
  });

  it('should separate thinking from the answer text of a reasoning model', async () => {
    const request: ChatRequest = {
      model: 'command-a-reasoning-08-2025',
      messages: [{ role: 'user', content: 'What is 17 × 23?' }],
      thinking: { type: 'enabled' },
    };
    const { text, thinking, final } = await lastValueFrom(everything(request));
    expect(final.message.content).toEqual([
      { type: 'thinking', thinking: thinking.join('') },
      { type: 'text', text: text.join('') },
    ]);
    expect(thinking.join('')).toContain('340 + 51 = 391');
    expect(text.join('')).toContain('**391**');
  });
});
