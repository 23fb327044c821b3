import {
  chatStream$,
  isCohereJsonError,
  isCohereValidationError,
  responseFormat,
  structured,
  type ChatRequest,
  type ChatStreamEvent,
} from '../../lib';
import { answerEvents, startReplayServer, type ReplayServer } from '../../lib/testing';
import { collect, errorOf } from '../helpers/collect';
import { libraries, recipe } from '../helpers/schemas';

// A JSON answer read by structured() with each real library, streamed by the
// replay model on loopback the way Cohere streams one (a token per delta).
let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const question: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'A pancake recipe, as JSON' }] };
const pancakes = '{"title": "Pancakes", "minutes": 20, "steps": ["Mix the batter", "Fry each side"]}';

async function answering(events: readonly ChatStreamEvent[]): Promise<ReplayServer> {
  server = await startReplayServer({ pick: () => events });
  return server;
}

describe.each(libraries)('structured() with %s', (library) => {
  const schema = recipe[library];

  it('should send the JSON Schema of the input side as response_format.json_schema', async () => {
    const s = await answering(answerEvents(pancakes));
    await collect(chatStream$({ ...question, response_format: responseFormat(schema) }, { baseUrl: s.url, apiKey: '' }));
    const sent = s.requests[0]!.body!['response_format'];
    expect(sent).toEqual({ type: 'json_object', json_schema: schema['~standard'].jsonSchema.input({ target: 'draft-07' }) });
    expect(sent).toMatchObject({
      json_schema: {
        type: 'object',
        properties: { title: { type: 'string' }, minutes: { type: 'integer' }, steps: { type: 'array', items: { type: 'string' } } },
        required: expect.arrayContaining(['title', 'minutes', 'steps']),
      },
    });
  });

  it('should emit the partials as the answer streams, then the validated value (defaults filled in)', async () => {
    const s = await answering(answerEvents(pancakes));
    const out = await collect(
      chatStream$({ ...question, response_format: responseFormat(schema) }, { baseUrl: s.url, apiKey: '' }).pipe(structured(schema)),
    );
    expect(out.completed).toBe(true);
    const partials = out.values.filter((a) => !a.done).map((a) => (a.done ? undefined : a.partial));
    expect(partials.length).toBeGreaterThan(10);
    expect(partials[0]).toEqual({});
    expect(partials).toContainEqual({ title: '' }); // a string shows at once, then grows
    expect(partials).toContainEqual({ title: 'Pancakes', minutes: 20, steps: ['Mix the'] });
    expect(partials).toContainEqual({ title: 'Pancakes', minutes: 20, steps: ['Mix the batter', 'Fry each'] });
    expect(partials[partials.length - 1]).toEqual(JSON.parse(pancakes));
    const last = out.values[out.values.length - 1]!;
    expect(last).toEqual({
      done: true,
      value: { title: 'Pancakes', minutes: 20, steps: ['Mix the batter', 'Fry each side'], vegan: false },
    });
    expect(out.values.filter((a) => a.done)).toHaveLength(1);
  });

  it('should error with a CohereValidationError after every partial when the whole value fails', async () => {
    const s = await answering(answerEvents('{"title": "Pancakes", "minutes": 0, "steps": "mix"}'));
    const out = await collect(chatStream$(question, { baseUrl: s.url, apiKey: '' }).pipe(structured(schema)));
    const error = errorOf(out, isCohereValidationError);
    expect(out.values.every((a) => !a.done)).toBe(true);
    expect(out.values[out.values.length - 1]).toEqual({ done: false, partial: { title: 'Pancakes', minutes: 0, steps: 'mix' } });
    expect(error.value).toEqual({ title: 'Pancakes', minutes: 0, steps: 'mix' });
    expect(error.toolCall).toBeUndefined();
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('The answer does not match its schema:');
    expect(lines.slice(1).map((l) => l.slice(0, l.indexOf(':')))).toEqual(['- minutes', '- steps']);
  });

  it('should error with a CohereJsonError (invalid) for an answer that is not JSON', async () => {
    const s = await answering(answerEvents('Here is a recipe: {"title": "Pancakes"}'));
    const out = await collect(chatStream$(question, { baseUrl: s.url, apiKey: '' }).pipe(structured(schema)));
    const error = errorOf(out, isCohereJsonError);
    expect(error.reason).toBe('invalid');
    expect(error.offset).toBe(0);
    expect(out.values).toEqual([]);
  });

  it('should error with a CohereJsonError (incomplete) after the partials for an answer cut short at MAX_TOKENS', async () => {
    const s = await answering(answerEvents('{"title": "Pancakes", "minutes": 20, "steps": ["Mix the', { finishReason: 'MAX_TOKENS' }));
    const out = await collect(chatStream$(question, { baseUrl: s.url, apiKey: '' }).pipe(structured(schema)));
    const error = errorOf(out, isCohereJsonError);
    expect(error.reason).toBe('incomplete');
    expect(error.message).toContain('the answer stopped at max_tokens: finish_reason MAX_TOKENS');
    expect(out.values[out.values.length - 1]).toEqual({ done: false, partial: { title: 'Pancakes', minutes: 20, steps: ['Mix the'] } });
  });
});
