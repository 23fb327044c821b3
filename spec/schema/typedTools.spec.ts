import { firstValueFrom, filter } from 'rxjs';
import {
  CohereConfigError,
  CohereToolArgumentsError,
  CohereValidationError,
  defineTool,
  isCohereConfigError,
  isCohereToolArgumentsError,
  isCohereValidationError,
  isStepEndEvent,
  isToolResultEvent,
  runTools$,
  textOnly,
  type ChatRequest,
  type ToolDefinition,
  type ToolResultEvent,
} from '../../lib';
import { answerEvents, pickByStep, startReplayServer, toolCallEvents, type ReplayServer } from '../../lib/testing';
import { collect, errorOf, narrow } from '../helpers/collect';
import { asyncCity, forecast, libraries } from '../helpers/schemas';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { z } from 'zod';

// Tools defined by a Standard Schema, with each real library, over the
// replay model on loopback: what the model is told, what `execute` gets, and
// what the model reads back when its arguments are wrong.
let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Forecast for Paris?' }] };
const answer = answerEvents('Sunny for three days.', { id: 'answer' });

/** A replay model that calls `forecast` with `args`, then answers. */
async function model(args: object | string, name = 'forecast'): Promise<ReplayServer> {
  server = await startReplayServer({ pick: pickByStep([toolCallEvents([{ name, arguments: args, id: 'call_1' }]), answer]) });
  return server;
}
const run = (s: ReplayServer, tools: Record<string, ToolDefinition>) => collect(runTools$(request, { baseUrl: s.url, apiKey: '', tools }));
/** The request bodies the replay server received. */
const bodies = (s: ReplayServer) => s.requests.map((r) => r.body!);
/** The `data` of the tool message the second request sent back. */
function toolData(s: ReplayServer): Record<string, unknown> {
  const messages = bodies(s)[1]!['messages'] as { role: string; content: { document: { data: Record<string, unknown> } }[] }[];
  const tool = messages.find((m) => m.role === 'tool')!;
  return tool.content[0]!.document.data;
}

describe.each(libraries)('defineTool({ input }) with %s', (library) => {
  const input = forecast[library];

  it('should send the JSON Schema of the input side, as the library writes it for draft-07', async () => {
    const s = await model({ city: 'Paris', from: '2025-06-01' });
    const tool = defineTool({ description: 'The forecast', input, execute: () => ({ ok: true }) });
    const out = await run(s, { forecast: tool });
    expect(out.completed).toBe(true);
    const sent = bodies(s).map((b) => b['tools'] as { function: { parameters: Record<string, unknown> } }[]);
    const expected = [
      {
        type: 'function',
        function: {
          name: 'forecast',
          description: 'The forecast',
          parameters: input['~standard'].jsonSchema.input({ target: 'draft-07' }),
        },
      },
    ];
    expect(sent).toEqual([expected, expected]);
    // What that is, concretely: the input side (`from` is the string the model writes, not the Date it becomes).
    expect(sent[0]![0]!.function.parameters).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        city: { type: 'string', description: 'The city' },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        from: { type: 'string' },
      },
      required: expect.arrayContaining(['city', 'from']),
    });
    expect((sent[0]![0]!.function.parameters as { required: string[] }).required).not.toContain('days');
  });

  it("should give execute the schema's output: the default filled in, the transform applied", async () => {
    const s = await model({ city: 'Paris', from: '2025-06-01' });
    const seen: unknown[] = [];
    const tool = defineTool({
      input,
      execute: (args) => {
        seen.push(args);
        return { city: args.city, days: args.days, from: args.from.toISOString().slice(0, 10) };
      },
    });
    const out = await run(s, { forecast: tool });
    expect(out.completed).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({ city: 'Paris', days: 3, from: new Date('2025-06-01') });
    expect((seen[0] as { from: unknown }).from).toBeInstanceOf(Date);
    const result = out.values.find(isToolResultEvent)!;
    expect(result).toEqual({
      type: 'tool-result',
      step: 1,
      call: expect.objectContaining({ id: 'call_1' }),
      output: { city: 'Paris', days: 3, from: '2025-06-01' },
    });
    expect(toolData(s)).toEqual({ city: 'Paris', days: 3, from: '2025-06-01' });
  });

  it('should send invalid arguments back to the model as an error naming each issue, not run execute, and go on', async () => {
    const s = await model({ city: 42, days: 9, from: '2025-06-01' });
    let runs = 0;
    const tool = defineTool({ input, execute: () => ++runs });
    const out = await run(s, { forecast: tool });
    expect(runs).toBe(0);
    expect(out.completed).toBe(true); // the loop went on to the answer
    expect(out.values.filter(isStepEndEvent).map((e) => e.step)).toEqual([1, 2]);
    const result = narrow(out.values.find(isToolResultEvent), isToolResultEvent);
    const error = errorOf(result as { error?: unknown }, isCohereValidationError);
    expect(error).toBeInstanceOf(CohereValidationError);
    expect(error.toolCall).toEqual(result.call);
    expect(error.value).toEqual({ city: 42, days: 9, from: '2025-06-01' });
    expect(error.issues.map((i) => Array.from(i.path ?? [], (p) => (typeof p === 'object' ? p.key : p)))).toEqual([['city'], ['days']]);
    // The message: the call, then `- path: message` per issue, each the library's own message.
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Tool call call_1 (forecast) has invalid arguments:');
    expect(lines.slice(1)).toHaveLength(2);
    expect(lines[1]).toMatch(/^- city: \S/);
    expect(lines[2]).toMatch(/^- days: \S/);
    for (const issue of error.issues) expect(error.message).toContain(issue.message.replace(/^(city|days) /, ''));
    // ...and that is what the model read back.
    expect(toolData(s)).toEqual({ error: error.message });
  });
});

describe.each(['zod', 'valibot'] as const)('an async validator (%s)', (library) => {
  it('should be waited for: valid arguments run execute, invalid ones go back to the model', async () => {
    const execute = ({ city }: { city: string }) => ({ city, found: true });
    const tool =
      library === 'zod'
        ? defineTool({ input: asyncCity.zod, execute })
        : defineTool({
            input: asyncCity.valibot,
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            execute,
          });
    const good = await model({ city: 'Paris' });
    const ok = await run(good, { forecast: tool });
    expect(ok.values.find(isToolResultEvent)).toMatchObject({ output: { city: 'Paris', found: true } });
    await good.close();

    const bad = await model({ city: 'Atlantis' });
    const failed = await run(bad, { forecast: tool });
    const error = errorOf(failed.values.find(isToolResultEvent) as { error?: unknown }, isCohereValidationError);
    expect(error.message).toBe('Tool call call_1 (forecast) has invalid arguments:\n- city: no such city');
    expect(toolData(bad)).toEqual({ error: error.message });
    expect(failed.completed).toBe(true);
  });
});

describe('defineTool: the JSON Schema sent', () => {
  it('should send a hand-written parameters given with input, and still validate with input', async () => {
    const s = await model({ city: 'Paris' });
    const parameters = {
      type: 'object',
      properties: { city: { type: 'string' }, from: { type: 'string', format: 'date' } },
      required: ['city'],
    };
    const tool = defineTool({ input: forecast.zod, parameters, execute: () => 'ran' });
    const out = await run(s, { forecast: tool });
    expect((bodies(s)[0]!['tools'] as { function: { parameters: unknown } }[])[0]!.function.parameters).toEqual(parameters);
    const error = errorOf(out.values.find(isToolResultEvent) as { error?: unknown }, isCohereValidationError);
    expect(error.message).toContain('- from: ');
  });

  it('should send { type: object, properties: {} } for a tool with neither input nor parameters', async () => {
    const s = await model('');
    const tool = defineTool({ description: 'The time now', execute: () => ({ now: 'noon' }) });
    await run(s, { now: tool });
    expect(bodies(s)[0]!['tools']).toEqual([
      { type: 'function', function: { name: 'now', description: 'The time now', parameters: { type: 'object', properties: {} } } },
    ]);
  });

  it('should validate an argument-less call as {} (an empty object schema passes it)', async () => {
    const s = await model('', 'now');
    const tool = defineTool({ input: z.object({}), execute: (args) => ({ args }) });
    const out = await run(s, { now: tool });
    expect(out.values.find(isToolResultEvent)).toMatchObject({ output: { args: {} } });
  });
});

describe('defineTool: what cannot work', () => {
  it('should fail at subscribe, naming the tool and library, when input cannot be written as JSON Schema (no request)', async () => {
    const s = await model({ city: 'Paris' });
    const check = toolFromValibotCheck();
    const out = await run(s, { forecast: check });
    const error = errorOf(out, isCohereConfigError);
    expect(error).toBeInstanceOf(CohereConfigError);
    expect(error.option).toBe('tools.forecast.input');
    expect(error.message).toContain(
      'the valibot schema cannot be written as JSON Schema (draft-07): The "check" action cannot be converted to JSON Schema',
    );
    expect(s.requests).toHaveLength(0);
  });

  it('should fail at subscribe when input is a valibot schema without toStandardJsonSchema and no parameters', async () => {
    const s = await model({ city: 'Paris' });
    const bare = { input: v.object({ city: v.string() }), execute: () => 1 } as ToolDefinition;
    const error = errorOf(await run(s, { forecast: bare }), isCohereConfigError);
    expect(error.message).toContain('the valibot schema has no JSON Schema (~standard.jsonSchema, Standard JSON Schema)');
    expect(error.message).toContain("toStandardJsonSchema() from '@valibot/to-json-schema'");
    expect(s.requests).toHaveLength(0);
  });

  it('should fail at subscribe when input is not a Standard Schema at all', async () => {
    const s = await model({ city: 'Paris' });
    const wrong = { input: { parse: () => ({}) }, parameters: {}, execute: () => 1 } as unknown as ToolDefinition;
    const error = errorOf(await run(s, { forecast: wrong }), isCohereConfigError);
    expect(error.option).toBe('tools.forecast.input');
    expect(s.requests).toHaveLength(0);
  });

  it('should parse before it validates: arguments that are not JSON are a CohereToolArgumentsError, the validator not called', async () => {
    const s = await model('{"city": Par');
    let validations = 0;
    const counting = z.object({ city: z.string() }).refine(() => ++validations > 0);
    const tool = defineTool({ input: counting, execute: () => 'ran' });
    const out = await run(s, { forecast: tool });
    const error = errorOf(out.values.find(isToolResultEvent) as { error?: unknown }, isCohereToolArgumentsError);
    expect(error).toBeInstanceOf(CohereToolArgumentsError);
    expect(error.reason).toBe('invalid-json');
    expect(validations).toBe(0);
    expect(out.completed).toBe(true);
  });

  it('should send what a throwing validator threw back as the result, and go on', async () => {
    const s = await model({ city: 'Paris' });
    const throwing = z.object({ city: z.string() }).superRefine(() => {
      throw new Error('the validator broke');
    });
    const out = await run(s, { forecast: defineTool({ input: throwing, execute: () => 'ran' }) });
    expect(out.values.find(isToolResultEvent)).toMatchObject({ error: { message: 'the validator broke' } });
    expect(toolData(s)).toEqual({ error: 'the validator broke' });
    expect(out.completed).toBe(true);
  });

  it('should never run execute when the loop is unsubscribed while an async validator runs', async () => {
    const s = await model({ city: 'Paris' });
    let release!: () => void;
    const started = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finish!: () => void;
    const slow = z.object({ city: z.string() }).refine(async () => {
      release();
      await new Promise<void>((resolve) => (finish = resolve));
      return true;
    });
    let runs = 0;
    const loop$ = runTools$(request, {
      baseUrl: s.url,
      apiKey: '',
      tools: { forecast: defineTool({ input: slow, execute: () => ++runs }) },
    });
    const results: ToolResultEvent[] = [];
    const sub = loop$.pipe(filter(isToolResultEvent)).subscribe((r) => results.push(r));
    await started;
    sub.unsubscribe();
    finish();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(runs).toBe(0);
    expect(results).toEqual([]);
    expect(s.requests).toHaveLength(1);
  });
});

describe('the loop with typed tools, end to end', () => {
  it('should stream the answer after a corrected call (the model reads the issues, then calls again)', async () => {
    server = await startReplayServer({
      pick: pickByStep([
        toolCallEvents([{ name: 'forecast', arguments: { city: 'Paris' }, id: 'call_1' }]),
        toolCallEvents([{ name: 'forecast', arguments: { city: 'Paris', from: '2025-06-01' }, id: 'call_2' }]),
        answer,
      ]),
    });
    const tool = defineTool({ input: forecast.zod, execute: ({ city, days }) => ({ city, days }) });
    const text = await firstValueFrom(
      runTools$(request, { baseUrl: server.url, apiKey: '', tools: { forecast: tool } }).pipe(
        textOnly(),
        filter((t) => t.length > 0),
      ),
    );
    expect(text).toBe('Sunny');
    const messages = server.requests[2]!.body!['messages'] as {
      role: string;
      content?: { document: { data: Record<string, unknown> } }[];
    }[];
    const results = messages.filter((m) => m.role === 'tool').map((m) => m.content![0]!.document.data);
    expect(results).toEqual([
      { error: expect.stringMatching(/^Tool call call_1 \(forecast\) has invalid arguments:\n- from: /) },
      { city: 'Paris', days: 3 },
    ]);
  });
});

/** A valibot schema with a `check` (which JSON Schema cannot express), made a Standard JSON Schema. */
function toolFromValibotCheck(): ToolDefinition {
  const input = toStandardJsonSchema(
    v.object({
      city: v.pipe(
        v.string(),
        v.check((c) => c !== '', 'empty'),
      ),
    }),
  );
  return defineTool({ input, execute: () => 1 });
}
