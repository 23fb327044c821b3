import type { ServerResponse } from 'node:http';
import { firstValueFrom, from, NEVER, Observable, of, Subject, takeWhile, throwError, toArray, EMPTY, filter, isObservable } from 'rxjs';
import {
  accumulateMessage,
  collectCitations,
  CohereAbortError,
  CohereApiError,
  isCohereConfigError,
  CohereMaxStepsError,
  CohereToolArgumentsError,
  defineTool,
  isCohereError,
  isStepEndEvent,
  isToolResultEvent,
  runTools$,
  textOnly,
  toolCalls,
  usage,
  type ChatRequest,
  type ChatStreamEvent,
  type RunToolsOptions,
  type ToolLoopEvent,
  isCohereApiError,
  isCohereMaxStepsError,
  isCohereAbortError,
} from '../../lib';
import {
  citationEnd,
  citationStart,
  messageEnd,
  messageStart,
  toolCallDelta,
  toolCallEnd,
  toolCallStart,
  toolPlanDelta,
} from '../../lib/testing/events';
import { answerEvents } from '../../lib/testing/eventSequences';
import { collect, errorOf, narrow } from '../helpers/collect';
import { sleep, sseHeaders, startLoopback, type Loopback } from '../helpers/loopback';
import { toSse } from '../helpers/sse';

// A scripted model on a real loopback HTTP server: each request body is
// recorded, and the script decides the answer from it.
type Script = (body: ChatRequest & Record<string, unknown>, index: number, res: ServerResponse) => readonly object[] | Promise<void>;

let server: Loopback | undefined;
async function model(script: Script): Promise<Loopback> {
  server = await startLoopback(async (req, res, index) => {
    const body = JSON.parse(server!.requests[index]!.body) as ChatRequest & Record<string, unknown>;
    const events = await script(body, index, res);
    if (!events) return; // the script answered by itself
    res.writeHead(200, sseHeaders);
    res.end(toSse(events, { done: true }));
  });
  return server;
}
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const bodies = (s: Loopback) => s.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
const opts = (s: Loopback, tools: RunToolsOptions['tools'], extra: Partial<RunToolsOptions> = {}): RunToolsOptions => ({
  apiKey: 'test-key',
  baseUrl: s.url,
  maxRetries: 0,
  tools,
  ...extra,
});
const lastRole = (body: ChatRequest) => body.messages[body.messages.length - 1]?.role;

const user = { role: 'user' as const, content: 'Weather in Paris and Tokyo?' };
const request: ChatRequest = { model: 'command-a-03-2025', messages: [user] };

/** A tool turn: a plan, then one call per entry, ending TOOL_CALL. */
function toolTurn(id: string, calls: [id: string, name: string, args: string][]): ChatStreamEvent[] {
  return [
    messageStart(id),
    toolPlanDelta('I will look'),
    toolPlanDelta(' it up.'),
    ...calls.flatMap(([callId, name, args], i) => [
      toolCallStart(i, callId, name),
      ...(args === '' ? [] : [toolCallDelta(i, args.slice(0, 3)), toolCallDelta(i, args.slice(3))]),
      toolCallEnd(i),
    ]),
    messageEnd('TOOL_CALL', { billed_units: { input_tokens: 20, output_tokens: 9 } }),
  ];
}
const weatherTurn = toolTurn('turn-1', [
  ['call_paris', 'get_weather', '{"city":"Paris"}'],
  ['call_tokyo', 'get_weather', '{"city":"Tokyo"}'],
]);
const answer = answerEvents('Paris is 18°C, Tokyo 24°C.', { id: 'turn-2' });
const twoSteps: Script = (body) => (lastRole(body) === 'tool' ? answer : weatherTurn);

/** A promise with its resolve function, to make tools wait for each other. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe('runTools$', () => {
  describe('a two-step loop with two calls', () => {
    it('should run both calls at once, send the results back in call order, and answer', async () => {
      const s = await model(twoSteps);
      const parisStarted = gate();
      const tokyoDone = gate();
      const log: string[] = [];
      const get_weather = defineTool<{ city: string }, { city: string; tempC: number }>({
        description: 'Current weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        execute: async ({ city }, { call, step, signal }) => {
          log.push(`start ${city} ${call.id} step ${step} aborted=${signal.aborted}`);
          if (city === 'Paris') {
            parisStarted.open();
            // Paris waits for Tokyo to finish: it can only end if both ran at once.
            await tokyoDone.promise;
          } else {
            await parisStarted.promise;
          }
          log.push(`end ${city}`);
          if (city === 'Tokyo') tokyoDone.open();
          return { city, tempC: city === 'Paris' ? 18 : 24 };
        },
      });
      const loop$ = runTools$({ ...request, temperature: 0.2 }, opts(s, { get_weather }));
      const out = await collect(loop$);

      expect(out.error).toBeUndefined();
      expect(out.completed).toBe(true);
      expect(log).toEqual([
        'start Paris call_paris step 1 aborted=false',
        'start Tokyo call_tokyo step 1 aborted=false',
        'end Tokyo',
        'end Paris',
      ]);

      // Every request body, field by field.
      expect(s.requests).toHaveLength(2);
      const [first, second] = bodies(s);
      const tools = [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather in a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ];
      expect(Object.keys(first!).sort()).toEqual(['messages', 'model', 'stream', 'temperature', 'tools']);
      expect(first!['model']).toBe('command-a-03-2025');
      expect(first!['temperature']).toBe(0.2);
      expect(first!['stream']).toBe(true);
      expect(first!['messages']).toEqual([user]);
      expect(first!['tools']).toEqual(tools);
      expect(Object.keys(second!).sort()).toEqual(['messages', 'model', 'stream', 'temperature', 'tools']);
      expect(second!['tools']).toEqual(tools);
      const messages = second!['messages'] as Record<string, unknown>[];
      expect(messages).toHaveLength(4);
      expect(messages[0]).toEqual(user);
      expect(messages[1]).toEqual({
        role: 'assistant',
        tool_plan: 'I will look it up.',
        tool_calls: [
          { id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_tokyo', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
        ],
      });
      // In call order, though Tokyo finished first.
      expect(messages[2]).toEqual({
        role: 'tool',
        tool_call_id: 'call_paris',
        content: [{ type: 'document', document: { data: { city: 'Paris', tempC: 18 } } }],
      });
      expect(messages[3]).toEqual({
        role: 'tool',
        tool_call_id: 'call_tokyo',
        content: [{ type: 'document', document: { data: { city: 'Tokyo', tempC: 24 } } }],
      });

      // The output: wire events of step 1, tool results as they finished, step-end, step 2, step-end.
      const values = out.values;
      expect(values.slice(0, weatherTurn.length)).toEqual(weatherTurn);
      const results = values.slice(weatherTurn.length, weatherTurn.length + 2);
      expect(results).toEqual([
        { type: 'tool-result', step: 1, call: expect.objectContaining({ id: 'call_tokyo' }), output: { city: 'Tokyo', tempC: 24 } },
        { type: 'tool-result', step: 1, call: expect.objectContaining({ id: 'call_paris' }), output: { city: 'Paris', tempC: 18 } },
      ]);
      const end1 = values[weatherTurn.length + 2];
      expect(isStepEndEvent(end1)).toBe(true);
      if (!isStepEndEvent(end1)) return;
      expect(end1.step).toBe(1);
      expect(end1.response.id).toBe('turn-1');
      expect(end1.response.finish_reason).toBe('TOOL_CALL');
      expect(end1.toolResults).toEqual(messages.slice(2));
      expect(end1.messages).toEqual(messages);
      const step2 = values.slice(weatherTurn.length + 3, -1);
      expect(step2).toEqual(answer);
      const end2 = values[values.length - 1];
      expect(isStepEndEvent(end2) && end2.step).toBe(2);
      if (!isStepEndEvent(end2)) return;
      expect(end2.toolResults).toEqual([]);
      expect(end2.response.message.content).toEqual([{ type: 'text', text: 'Paris is 18°C, Tokyo 24°C.' }]);
      expect(end2.messages).toEqual([...messages, { role: 'assistant', content: end2.response.message.content }]);
      expect(values.filter(isToolResultEvent)).toHaveLength(2);
    });

    it('should work with every operator, per message', async () => {
      const s = await model((body) =>
        lastRole(body) === 'tool'
          ? [...answer.slice(0, 3), citationStart(0, { start: 0, end: 5, text: 'Paris' }), citationEnd(0), ...answer.slice(3)]
          : [
              ...weatherTurn.slice(0, -1),
              citationStart(0, { start: 0, end: 4, text: 'look', type: 'PLAN' }),
              citationEnd(0),
              ...weatherTurn.slice(-1),
            ],
      );
      const { values } = await collect(runTools$(request, opts(s, { get_weather: { execute: () => ({ tempC: 1 }) } })));
      const through = <R>(op: (source: Observable<ToolLoopEvent>) => Observable<R>) => firstValueFrom(from(values).pipe(op, toArray()));

      expect((await through(textOnly())).join('')).toBe('Paris is 18°C, Tokyo 24°C.');
      const calls = await through(toolCalls());
      expect(calls.map((c) => c.id)).toEqual(['call_paris', 'call_tokyo']);
      const usages = await through(usage());
      expect(usages).toHaveLength(2);
      expect(usages[0]).toEqual({ billed_units: { input_tokens: 20, output_tokens: 9 } });
      const citations = await through(collectCitations());
      expect(citations.map((list) => list.map((c) => c.text))).toEqual([['look'], ['Paris']]);
      const snapshots = await through(accumulateMessage());
      const ends = snapshots.filter((r) => r.finish_reason !== undefined);
      expect(ends.map((r) => r.id)).toEqual(['turn-1', 'turn-2']);
      // The answer's snapshot knows nothing of the first message.
      expect(ends[1]!.message.tool_calls).toBeUndefined();
      expect(ends[1]!.message.tool_plan).toBeUndefined();
      expect(ends[1]!.message.citations).toEqual([{ start: 0, end: 5, text: 'Paris' }]);
    });

    it("should send the request's own tools instead of the definitions', and none when there are none", async () => {
      const s = await model(twoSteps);
      const own = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }];
      await collect(runTools$({ ...request, tools: own }, opts(s, { get_weather: { description: 'unused', execute: () => ({}) } })));
      expect(bodies(s).map((b) => b['tools'])).toEqual([own, own]);
      await s.close();

      const t = await model(() => answer);
      await collect(runTools$(request, opts(t, {})));
      expect('tools' in bodies(t)[0]!).toBe(false);
    });
  });

  describe('tool outputs', () => {
    it('should send values, Promises and Observables (their last value) as documents', async () => {
      const s = await model((body) =>
        lastRole(body) === 'tool'
          ? answer
          : toolTurn('turn-1', [
              ['c_obj', 'obj', '{}'],
              ['c_list', 'list', '{}'],
              ['c_text', 'text', '{}'],
              ['c_none', 'none', ''],
              ['c_promise', 'promise', '{}'],
              ['c_last', 'last', '{}'],
              ['c_empty', 'empty', '{}'],
              ['c_null', 'nil', '{}'],
              ['c_emptylist', 'emptyList', '{}'],
            ]),
      );
      const seen: unknown[] = [];
      const out = await collect(
        runTools$(
          request,
          opts(s, {
            obj: { execute: (args) => ({ ok: true, args }) },
            list: { execute: () => [{ title: 'a' }, 'b', 3] },
            text: { execute: () => 'sunny' },
            none: { execute: (args) => void seen.push(args) },
            promise: { execute: () => Promise.resolve({ from: 'promise' }) },
            last: { execute: () => of({ n: 1 }, { n: 2 }, { n: 3 }) },
            empty: { execute: () => EMPTY },
            nil: { execute: () => null },
            emptyList: { execute: () => [] },
          }),
        ),
      );
      expect(out.completed).toBe(true);
      expect(seen).toEqual([{}]); // no arguments streamed: {}
      const messages = bodies(s)[1]!['messages'] as { role: string; tool_call_id?: string; content?: unknown }[];
      const doc = (data: object) => ({ type: 'document', document: { data } });
      expect(messages[1]).toMatchObject({
        tool_calls: expect.arrayContaining([expect.objectContaining({ id: 'c_none', function: { name: 'none', arguments: '{}' } })]),
      });
      expect(messages.slice(2)).toEqual([
        { role: 'tool', tool_call_id: 'c_obj', content: [doc({ ok: true, args: {} })] },
        { role: 'tool', tool_call_id: 'c_list', content: [doc({ title: 'a' }), doc({ value: 'b' }), doc({ value: 3 })] },
        { role: 'tool', tool_call_id: 'c_text', content: [doc({ value: 'sunny' })] },
        { role: 'tool', tool_call_id: 'c_none', content: [doc({})] },
        { role: 'tool', tool_call_id: 'c_promise', content: [doc({ from: 'promise' })] },
        { role: 'tool', tool_call_id: 'c_last', content: [doc({ n: 3 })] },
        { role: 'tool', tool_call_id: 'c_empty', content: [doc({})] },
        { role: 'tool', tool_call_id: 'c_null', content: [doc({ value: null })] },
        { role: 'tool', tool_call_id: 'c_emptylist', content: [doc({ value: [] })] },
      ]);
    });
  });

  describe('failures sent back to the model', () => {
    it('should send a throwing, rejecting or erroring tool, an unknown tool and bad arguments as { error }, and go on', async () => {
      const s = await model((body) =>
        lastRole(body) === 'tool'
          ? answer
          : toolTurn('turn-1', [
              ['c_throw', 'throws', '{}'],
              ['c_reject', 'rejects', '{}'],
              ['c_error', 'errors', '{}'],
              ['c_unknown', 'no_such_tool', '{}'],
              ['c_json', 'fine', '{"city":'],
              ['c_array', 'fine', '[1, 2]'],
              ['c_ok', 'fine', '{"x":1}'],
            ]),
      );
      const thrown = new Error('boom: the disk is full');
      let fineCalls = 0;
      const out = await collect(
        runTools$(
          request,
          opts(s, {
            throws: {
              execute: () => {
                throw thrown;
              },
            },
            rejects: { execute: () => Promise.reject(new TypeError('bad gateway')) },
            errors: { execute: () => throwError(() => 'a plain string') },
            fine: { execute: (args) => (fineCalls++, args) },
          }),
        ),
      );
      expect(out.completed).toBe(true);
      expect(fineCalls).toBe(1);
      expect(s.requests).toHaveLength(2);

      const results = out.values.filter(isToolResultEvent);
      const byId = new Map(results.map((r) => [r.call.id, r]));
      const errorOf = (id: string) => {
        const r = byId.get(id)!;
        return 'error' in r ? r.error : undefined;
      };
      expect(errorOf('c_throw')).toBe(thrown);
      expect(errorOf('c_reject')).toEqual(new TypeError('bad gateway'));
      expect(errorOf('c_error')).toBe('a plain string');
      expect(isCohereError(errorOf('c_unknown'))).toBe(true);
      expect(errorOf('c_json')).toBeInstanceOf(CohereToolArgumentsError);
      expect(errorOf('c_array')).toBeInstanceOf(CohereToolArgumentsError);
      expect(byId.get('c_ok')).toEqual(expect.objectContaining({ output: { x: 1 } }));

      const messages = bodies(s)[1]!['messages'] as {
        tool_call_id?: string;
        content?: { document: { data: Record<string, unknown> } }[];
      }[];
      const sent = new Map(messages.slice(2).map((m) => [m.tool_call_id, m.content!]));
      const errorText = (id: string) => {
        const content = sent.get(id)!;
        expect(content).toHaveLength(1);
        expect(Object.keys(content[0]!.document.data)).toEqual(['error']);
        return content[0]!.document.data['error'] as string;
      };
      expect(errorText('c_throw')).toBe('boom: the disk is full');
      expect(errorText('c_reject')).toBe('bad gateway');
      expect(errorText('c_error')).toBe('a plain string');
      expect(errorText('c_unknown')).toContain('"no_such_tool"');
      expect(errorText('c_unknown')).toContain('throws, rejects, errors, fine');
      expect(errorText('c_json')).toContain('not valid JSON');
      expect(errorText('c_array')).toContain('not a JSON object');
      // never a stack
      for (const id of ['c_throw', 'c_reject', 'c_json']) expect(errorText(id)).not.toMatch(/\n\s+at /);
    });
  });

  describe('the end', () => {
    it('should error with CohereMaxStepsError after the last step-end when the model still calls tools', async () => {
      const s = await model((_body, index) => toolTurn(`turn-${index + 1}`, [[`call_${index}`, 'again', '{}']]));
      let runs = 0;
      const out = await collect(runTools$(request, opts(s, { again: { execute: () => ({ run: ++runs }) } }, { maxSteps: 3 })));
      expect(out.completed).toBe(false);
      expect(out.error).toBeInstanceOf(CohereMaxStepsError);
      expect(s.requests).toHaveLength(3);
      expect(runs).toBe(3);
      const ends = out.values.filter(isStepEndEvent);
      expect(ends.map((e) => e.step)).toEqual([1, 2, 3]);
      expect(out.values[out.values.length - 1]).toBe(ends[2]);
      const error = errorOf(out, isCohereMaxStepsError);
      expect(error.maxSteps).toBe(3);
      expect(error.messages).toBe(ends[2]!.messages);
      expect(error.messages).toHaveLength(1 + 3 * 2);
    });

    it('should complete after a turn that ends for another reason than TOOL_CALL', async () => {
      const s = await model(() => answerEvents('Cut', { finishReason: 'MAX_TOKENS' }));
      const out = await collect(runTools$(request, opts(s, { never_called: { execute: () => fail('not called') } })));
      expect(out.completed).toBe(true);
      expect(s.requests).toHaveLength(1);
      expect(out.values.filter(isStepEndEvent).map((e) => e.response.finish_reason)).toEqual(['MAX_TOKENS']);
    });

    it("should error with the step's HTTP error after everything that arrived", async () => {
      const s = await model((body, _i, res) => {
        if (lastRole(body) !== 'tool') return weatherTurn;
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'internal server error' }));
        return Promise.resolve();
      });
      const out = await collect(runTools$(request, opts(s, { get_weather: { execute: () => ({}) } })));
      expect(out.error).toBeInstanceOf(CohereApiError);
      expect(errorOf(out, isCohereApiError).status).toBe(500);
      expect(out.values.slice(0, weatherTurn.length)).toEqual(weatherTurn);
      expect(out.values[out.values.length - 1]).toEqual(expect.objectContaining({ type: 'step-end', step: 1 }));
      expect(s.requests).toHaveLength(2);
    });

    it("should error when a step's stream is cut short, after its events", async () => {
      const s = await model((body, _i, res) => {
        if (lastRole(body) !== 'tool') return weatherTurn;
        res.writeHead(200, sseHeaders);
        res.end(toSse(answer.slice(0, 4)));
        return Promise.resolve();
      });
      const out = await collect(runTools$(request, opts(s, { get_weather: { execute: () => ({}) } })));
      expect(out.completed).toBe(false);
      expect(isCohereError(out.error)).toBe(true);
      expect(out.values.slice(-4)).toEqual(answer.slice(0, 4));
    });

    it('should fail at subscribe, before any request, on an impossible maxSteps or toolConcurrency', async () => {
      const s = await model(() => answer);
      for (const extra of [{ maxSteps: 0 }, { maxSteps: 1.5 }, { toolConcurrency: 0 }, { toolConcurrency: Number.NaN }]) {
        const out = await collect(runTools$(request, opts(s, {}, extra)));
        expect(isCohereConfigError(out.error)).toBe(true);
        expect(errorOf(out, isCohereConfigError).option).toBe(Object.keys(extra)[0]);
      }
      expect(s.requests).toHaveLength(0);
    });
  });

  describe('cancellation', () => {
    it('should close the socket of a model turn in flight, and run no tool', async () => {
      const s = await model((_body, _i, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(weatherTurn.slice(0, 3)));
        return new Promise<void>(() => undefined); // and then nothing
      });
      let ran = false;
      const values: ToolLoopEvent[] = [];
      const subscription = runTools$(request, opts(s, { get_weather: { execute: () => (ran = true) } })).subscribe((v) => values.push(v));
      while (values.length < 3) await sleep(5);
      subscription.unsubscribe();
      await s.clientClosed();
      expect(s.abortedByClient).toBe(1);
      await sleep(30);
      expect(ran).toBe(false);
      expect(s.requests).toHaveLength(1);
    });

    it('should unsubscribe running tools, abort their signal and make no further request', async () => {
      const s = await model(twoSteps);
      const torn: string[] = [];
      let signalOfPromiseTool: AbortSignal | undefined;
      const started = gate();
      const subscription = runTools$(
        request,
        opts(s, {
          get_weather: {
            execute: ({ city }: { city: string }, { signal }) => {
              if (city === 'Paris') {
                return new Observable(() => () => torn.push(`observable torn down, signal aborted=${signal.aborted}`));
              }
              signalOfPromiseTool = signal;
              started.open();
              return new Promise(() => undefined);
            },
          },
        }),
      ).subscribe();
      await started.promise;
      expect(signalOfPromiseTool!.aborted).toBe(false);
      subscription.unsubscribe();
      expect(torn).toEqual(['observable torn down, signal aborted=true']);
      expect(signalOfPromiseTool!.aborted).toBe(true);
      await sleep(30);
      expect(s.requests).toHaveLength(1);
    });

    it('should make no further request when unsubscribed between steps', async () => {
      const s = await model(twoSteps);
      const out = await collect(
        runTools$(request, opts(s, { get_weather: { execute: () => ({}) } })).pipe(takeWhile((e) => e.type !== 'step-end', true)),
      );
      expect(out.completed).toBe(true);
      expect(out.values[out.values.length - 1]).toEqual(expect.objectContaining({ type: 'step-end', step: 1 }));
      await sleep(30);
      expect(s.requests).toHaveLength(1);
    });

    it('should error with CohereAbortError when the outside signal aborts during tools, stopping them', async () => {
      const s = await model(twoSteps);
      const controller = new AbortController();
      const signals: AbortSignal[] = [];
      const out = collect(
        runTools$(
          request,
          opts(s, { get_weather: { execute: (_a, { signal }) => (signals.push(signal), NEVER) } }, { signal: controller.signal }),
        ),
      );
      while (signals.length < 2) await sleep(5);
      controller.abort(new Error('user pressed stop'));
      const { error, values } = await out;
      expect(error).toBeInstanceOf(CohereAbortError);
      expect(narrow(error, isCohereAbortError).cause).toEqual(new Error('user pressed stop'));
      expect(signals.map((x) => x.aborted)).toEqual([true, true]);
      expect(values.filter(isToolResultEvent)).toHaveLength(0);
      await sleep(30);
      expect(s.requests).toHaveLength(1);
    });

    it('should error with CohereAbortError and close the socket when the outside signal aborts during a turn', async () => {
      const s = await model((_body, _i, res) => {
        res.writeHead(200, sseHeaders);
        res.write(toSse(weatherTurn.slice(0, 2)));
        return new Promise<void>(() => undefined);
      });
      const controller = new AbortController();
      const values: ToolLoopEvent[] = [];
      const done = new Subject<unknown>();
      runTools$(request, opts(s, { get_weather: { execute: () => ({}) } }, { signal: controller.signal })).subscribe({
        next: (v) => values.push(v),
        error: (e) => done.next(e),
      });
      while (values.length < 2) await sleep(5);
      const error = firstValueFrom(done);
      controller.abort();
      expect(await error).toBeInstanceOf(CohereAbortError);
      await s.clientClosed();
      expect(s.requests).toHaveLength(1);
    });
  });

  describe('cold behaviour', () => {
    it('should do nothing before subscribe, and run one loop per subscription', async () => {
      const s = await model(twoSteps);
      let runs = 0;
      const loop$ = runTools$(request, opts(s, { get_weather: { execute: () => ({ run: ++runs }) } }));
      await sleep(30);
      expect(s.requests).toHaveLength(0);
      const [a, b] = await Promise.all([collect(loop$), collect(loop$)]);
      expect(a.completed && b.completed).toBe(true);
      expect(s.requests).toHaveLength(4);
      expect(runs).toBe(4);
      expect(a.values.filter(isStepEndEvent)).toHaveLength(2);
      expect(b.values.filter(isStepEndEvent)).toHaveLength(2);
      // each loop sent its own results back
      const answers = bodies(s).filter((x) => (x['messages'] as unknown[]).length === 4);
      expect(answers).toHaveLength(2);
    });

    it("should not change the caller's request or its messages", async () => {
      const s = await model(twoSteps);
      const mine: ChatRequest = { model: 'm', messages: [user] };
      const before = JSON.stringify(mine);
      await collect(runTools$(mine, opts(s, { get_weather: { execute: () => ({}) } })));
      expect(JSON.stringify(mine)).toBe(before);
      expect(mine.messages).toHaveLength(1);
    });
  });

  it('should narrow loop events with its guards and leave wire events alone', () => {
    const call = { id: 'c', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
    expect(isToolResultEvent({ type: 'tool-result', step: 1, call, output: 1 })).toBe(true);
    expect(isToolResultEvent(messageStart())).toBe(false);
    expect(isStepEndEvent({ type: 'step-end' })).toBe(true);
    expect(isStepEndEvent(null)).toBe(false);
    expect(isStepEndEvent('step-end')).toBe(false);
  });

  it('should type execute arguments through defineTool without casts', async () => {
    const tool = defineTool<{ city: string; days?: number }, { forecast: string[] }>({
      execute: ({ city, days = 1 }) => of({ forecast: Array.from({ length: days }, () => city) }),
    });
    const ctx = {
      call: { id: 'x', type: 'function' as const, function: { name: 't', arguments: '{}' } },
      step: 1,
      signal: new AbortController().signal,
    };
    const out = tool.execute({ city: 'Oslo', days: 2 }, ctx);
    expect(await firstValueFrom(narrow(out, isObservable).pipe(filter(Boolean)))).toEqual({ forecast: ['Oslo', 'Oslo'] });
  });
});
