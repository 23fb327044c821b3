// Resumable generations, the browser's side (DESIGN "Resumable generations
// across relay instances", "In the browser, with no new option"): against a
// loopback stand-in of a relay with a store (spec/helpers/generationServer.ts)
// that cuts its responses at chosen frames. A broken connection is resumed
// with a GET and Last-Event-ID (never a second POST), subscribers see one
// stream with no duplicate and no gap, an unsubscribe before the end DELETEs
// the generation, and resumeChat$ continues one from its stored id.
import fc from 'fast-check';
import { lastValueFrom, Subscription, take, takeWhile, toArray } from 'rxjs';
import {
  chatStream$,
  isCohereAbortError,
  isCohereApiError,
  isCohereConfigError,
  isCohereConnectionError,
  isCohereIncompleteStreamError,
  isCohereMaxStepsError,
  isCohereTimeoutError,
  resumeChat$,
  textOnly,
  type ChatStreamEvent,
  type ChatStreamOptions,
  type ResponseInfo,
  type Telemetry,
} from '../../lib';
import { collect, errorOf, narrow } from '../helpers/collect';
import { sleep } from '../helpers/loopback';
import { SSE_NAME, startGenerationServer, type GenerationServer, type GenerationServerOptions } from '../helpers/generationServer';
import { request, textTurn } from '../helpers/sse';

/** A longer answer than textTurn: more places to cut. */
const longTurn: readonly object[] = [
  textTurn[0],
  textTurn[1],
  ...Array.from({ length: 14 }, (_, i) => ({ type: 'content-delta', index: 0, delta: { message: { content: { text: `w${i} ` } } } })),
  textTurn[6],
  textTurn[7],
];
const textOf = (events: readonly object[]): string =>
  events
    .map((e) => (e as { type: string; delta?: { message?: { content?: { text?: string } } } }).delta?.message?.content?.text ?? '')
    .join('');
const fullText = textOf(longTurn);

let server: GenerationServer | undefined;
let random: jest.SpyInstance | undefined;
beforeEach(() => {
  // The shortest backoff (equal jitter: half of 500 ms for the first resume), so that cuts do not make the suite slow.
  random = jest.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(async () => {
  random?.mockRestore();
  await server?.close();
  server = undefined;
});

async function start(options: Partial<GenerationServerOptions> = {}): Promise<GenerationServer> {
  server = await startGenerationServer({ events: longTurn, ...options });
  return server;
}
const optionsOf = (s: GenerationServer, extra: ChatStreamOptions = {}): ChatStreamOptions => ({ baseUrl: s.url, apiKey: '', ...extra });

/** The Last-Event-ID values the resumes of a run with these cuts must send (undefined: none seen yet). */
function expectedLastIds(cuts: readonly number[], total: number): (string | undefined)[] {
  const ids: (string | undefined)[] = [];
  let last = 0;
  for (const cut of cuts) {
    if (cut >= total) break; // that response ran to the end
    last = Math.max(last, cut);
    ids.push(last === 0 ? undefined : String(last));
  }
  return ids;
}

describe('chatStream$ with a relay that keeps generations', () => {
  it('should give the uninterrupted answer, once, whatever frames the connections are cut at (one POST, then GETs with Last-Event-ID)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: longTurn.length }), { maxLength: 3 }),
        fc.constantFrom<'destroy' | 'end'>('destroy', 'end'),
        async (cuts, cutKind) => {
          const s = await startGenerationServer({ events: longTurn, cuts, cutKind });
          try {
            const outcome = await collect(chatStream$(request, optionsOf(s, { maxRetries: cuts.length })));
            expect(outcome.error).toBeUndefined();
            expect(outcome.completed).toBe(true);
            expect(outcome.values).toEqual(longTurn); // no duplicate, no gap, in order
            expect(textOf(outcome.values)).toBe(fullText);
            expect(s.posts()).toHaveLength(1); // a resume is never a second POST
            const gets = s.gets();
            expect(gets.map((g) => g.url)).toEqual(gets.map(() => `/v2/chat/${s.id}`));
            expect(gets.map((g) => g.headers['last-event-id'])).toEqual(expectedLastIds(cuts, longTurn.length));
          } finally {
            await s.close();
          }
        },
      ),
      { numRuns: 12, seed: 0xc0ffee },
    );
  }, 120_000);

  it('should read a relay stream (X-Cohere-Rx-Stream) resumed after a cut mid-frame', async () => {
    const s = await start({ cuts: [5, 9], relayStream: 'single-message' });
    const text = await lastValueFrom(chatStream$(request, optionsOf(s)).pipe(textOnly(), toArray()));
    expect(text.join('')).toBe(fullText);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['5', '9']);
  });

  it('should follow a server-side tool loop (multi-message) across a cut between its messages and inside the last one', async () => {
    const toolTurn = [
      textTurn[0],
      { type: 'tool-plan-delta', delta: { message: { tool_plan: 'I will look it up.' } } },
      { type: 'message-end', delta: { finish_reason: 'TOOL_CALL' } },
    ];
    const loop = [...toolTurn, ...longTurn];
    const s = await start({ events: loop, cuts: [3, 8], relayStream: 'multi-message' });
    const events = await lastValueFrom(chatStream$(request, optionsOf(s)).pipe(toArray()));
    expect(events).toEqual(loop); // both messages, the first message-end (TOOL_CALL) not taken for the end
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['3', '8']);
  });

  it('should resume a tool loop cut after its last message-end, before its final step-end (that frame is not lost)', async () => {
    const toolTurn = [textTurn[0], { type: 'message-end', delta: { finish_reason: 'TOOL_CALL' } }];
    const stepEnd = { type: 'step-end', step: 2, messages: [{ role: 'assistant', content: fullText }], [SSE_NAME]: 'cohere-rx-step-end' };
    const loop = [...toolTurn, ...longTurn, stepEnd];
    // The POST is cut mid-frame in the step-end, every message-end already read.
    const s = await start({ events: loop, cuts: [loop.length - 1], relayStream: 'multi-message' });
    const outcome = await collect(chatStream$(request, optionsOf(s)));
    expect(outcome.error).toBeUndefined();
    expect(outcome.values).toEqual(JSON.parse(JSON.stringify(loop)));
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual([String(loop.length - 1)]);
    expect(s.deletes()).toHaveLength(0); // after the end: no Stop
  });

  it('should resume a tool loop gone silent after its last message-end (idleTimeoutMs): its final step-end is not lost', async () => {
    const toolTurn = [textTurn[0], { type: 'message-end', delta: { finish_reason: 'TOOL_CALL' } }];
    const stepEnd = { type: 'step-end', step: 2, messages: [{ role: 'assistant', content: fullText }], [SSE_NAME]: 'cohere-rx-step-end' };
    const loop = [...toolTurn, ...longTurn, stepEnd];
    // The POST sends every frame up to the last message-end, then nothing, and stays open: a dead connection.
    const s = await start({ events: loop, holdAfter: loop.length - 1, holdFirstOnly: true, relayStream: 'multi-message' });
    const outcome = await collect(chatStream$(request, optionsOf(s, { idleTimeoutMs: 300 })));
    expect(outcome.error).toBeUndefined();
    expect(outcome.completed).toBe(true);
    expect(outcome.values).toEqual(JSON.parse(JSON.stringify(loop)));
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual([String(loop.length - 1)]);
  });

  it("should keep a tool loop's conversation across a resume: a CohereMaxStepsError after it carries the last step-end's messages", async () => {
    const messages = [
      { role: 'user', content: 'Hello!' },
      { role: 'assistant', content: 'I will look it up.' },
    ];
    const toolTurn = [textTurn[0], { type: 'message-end', delta: { finish_reason: 'TOOL_CALL' } }];
    const stepEnd = { type: 'step-end', step: 1, messages, [SSE_NAME]: 'cohere-rx-step-end' };
    const maxSteps = { type: 'cohere-rx-error', error: { name: 'CohereMaxStepsError', message: 'too many steps', maxSteps: 1 } };
    // The POST is cut after the step-end; the resume brings the next message and the relay's error frame.
    const s = await start({ events: [...toolTurn, stepEnd, ...toolTurn, maxSteps], cuts: [3], relayStream: 'multi-message' });
    const outcome = await collect(chatStream$(request, optionsOf(s)));
    const error = errorOf(outcome, isCohereMaxStepsError);
    expect(error.messages).toEqual(messages);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['3']);
  });

  it('should drop the frames a resume sends again (a relay that replays from the start): no duplicate', async () => {
    const s = await start({ cuts: [5, 9], replayFromStart: true });
    const outcome = await collect(chatStream$(request, optionsOf(s)));
    expect(outcome.error).toBeUndefined();
    expect(outcome.values).toEqual(longTurn);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['5', '9']);
  });

  it('should count a resume that brings only frames read already as one that brought nothing', async () => {
    // Every resume replays frames 1–3, all read already, and is cut: no progress, maxRetries 2 in a row.
    const s = await start({ cuts: [5, 3, 3, 3, 3], replayFromStart: true });
    const outcome = await collect(chatStream$(request, optionsOf(s, { maxRetries: 2 })));
    expect(errorOf(outcome, isCohereIncompleteStreamError).eventCount).toBe(5);
    expect(outcome.values).toEqual(longTurn.slice(0, 5));
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['5', '5']);
  });

  it('should send the same headers on a resume, without the body and its content-type, and no key when none was given', async () => {
    const s = await start({ cuts: [3] });
    await lastValueFrom(chatStream$(request, optionsOf(s, { headers: { 'x-team': 'blue' } })));
    const [post] = s.posts();
    const [get] = s.gets();
    expect(get!.body).toBe('');
    expect(get!.headers['content-type']).toBeUndefined();
    expect(get!.headers['authorization']).toBeUndefined();
    expect(get!.headers['x-team']).toBe('blue');
    expect(get!.headers['accept']).toBe(post!.headers['accept']);
  });

  it('should send the key on a resume when one was given (the same headers as the POST)', async () => {
    const s = await start({ cuts: [3] });
    await lastValueFrom(chatStream$(request, optionsOf(s, { apiKey: 'relay-token-4b1d9e' })));
    expect(s.gets()[0]!.headers['authorization']).toBe('Bearer relay-token-4b1d9e');
  });

  it('should resume after a cut before the first event (from the start: no Last-Event-ID), never POSTing again', async () => {
    const s = await start({ cuts: [0] });
    const events = await lastValueFrom(chatStream$(request, optionsOf(s)).pipe(toArray()));
    expect(events).toEqual(longTurn);
    expect(s.posts()).toHaveLength(1);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual([undefined]);
  });

  it('should stop after maxRetries resumes in a row that bring nothing, with a CohereIncompleteStreamError', async () => {
    // The POST brings frames 1–4; every resume after it is cut before its first frame.
    const s = await start({ cuts: [4, 0, 0, 0, 0] });
    const outcome = await collect(chatStream$(request, optionsOf(s, { maxRetries: 2 })));
    const error = errorOf(outcome, isCohereIncompleteStreamError);
    expect(error.eventCount).toBe(4);
    expect(isCohereConnectionError(error.cause)).toBe(true);
    expect(outcome.values).toEqual(longTurn.slice(0, 4));
    expect(s.posts()).toHaveLength(1);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['4', '4']);
  });

  it('should count resumes in a row only: one that brings frames starts a new count', async () => {
    // maxRetries 1, but each resume brings frames before it is cut: five resumes in all.
    const s = await start({ cuts: [2, 5, 8, 11, 14] });
    const events = await lastValueFrom(chatStream$(request, optionsOf(s, { maxRetries: 1 })).pipe(toArray()));
    expect(events).toEqual(longTurn);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['2', '5', '8', '11', '14']);
  });

  it('should not count retried POSTs against the resumes: a POST that brings the id and breaks at once is resumed', async () => {
    // Two POSTs answered 503 (maxRetries 2 used up), then one with the id, cut before its first frame.
    const s = await start({ failPosts: 2, cuts: [0] });
    const outcome = await collect(chatStream$(request, optionsOf(s, { maxRetries: 2 })));
    expect(outcome.error).toBeUndefined();
    expect(outcome.values).toEqual(longTurn);
    expect(s.posts()).toHaveLength(3);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual([undefined]);
  });

  it('should resume a connection that falls silent (idleTimeoutMs) instead of timing out', async () => {
    // The POST's response sends 5 frames, then nothing, and stays open: a dead connection.
    const s = await start({ holdAfter: 5, holdFirstOnly: true });
    const events = await lastValueFrom(chatStream$(request, optionsOf(s, { idleTimeoutMs: 300 })).pipe(toArray()));
    expect(events).toEqual(longTurn);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['5']);
    await s.loopback.clientClosed(); // the silent connection was closed
  });

  it('should count a resume whose headers never come (timeoutMs) as a failed attempt, and resume again', async () => {
    const s = await start({ cuts: [3], silentGets: 1 });
    const outcome = await collect(chatStream$(request, optionsOf(s, { timeoutMs: 300 })));
    expect(outcome.error).toBeUndefined();
    expect(outcome.values).toEqual(longTurn);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['3', '3']);
  });

  it('should stop after maxRetries resumes in a row whose headers never come, with a CohereIncompleteStreamError', async () => {
    const s = await start({ cuts: [3], silentGets: 9 });
    const outcome = await collect(chatStream$(request, optionsOf(s, { timeoutMs: 300, maxRetries: 2 })));
    const error = errorOf(outcome, isCohereIncompleteStreamError);
    expect(error.eventCount).toBe(3);
    expect(isCohereTimeoutError(narrow(error.cause, isCohereConnectionError).cause)).toBe(true);
    expect(s.gets()).toHaveLength(2);
    expect(s.posts()).toHaveLength(1);
  });

  it('should still time out a silent connection without a generation (no resume)', async () => {
    const s = await start({ noGeneration: true, holdAfter: 5 });
    const outcome = await collect(chatStream$(request, optionsOf(s, { idleTimeoutMs: 300 })));
    expect(errorOf(outcome, isCohereTimeoutError).phase).toBe('idle');
    expect(s.gets()).toHaveLength(0);
  });

  it('should not resume with maxRetries 0: the truncated answer is a CohereIncompleteStreamError', async () => {
    const s = await start({ cuts: [3], cutKind: 'end' });
    const outcome = await collect(chatStream$(request, optionsOf(s, { maxRetries: 0 })));
    expect(errorOf(outcome, isCohereIncompleteStreamError).eventCount).toBe(3);
    expect(s.gets()).toHaveLength(0);
  });

  it('should end with a CohereIncompleteStreamError, its cause the 404, when the relay no longer knows the generation', async () => {
    const s = await start({ cuts: [3], getStatus: 404 });
    const outcome = await collect(chatStream$(request, optionsOf(s)));
    const error = errorOf(outcome, isCohereIncompleteStreamError);
    expect(error.eventCount).toBe(3);
    expect(narrow(error.cause, isCohereApiError).status).toBe(404);
    expect(s.gets()).toHaveLength(1); // a 404 is not retried
    expect(s.deletes()).toHaveLength(0); // an error stops nothing
  });

  it('should retry a resume answered 503, with backoff, then go on', async () => {
    // One 503 then a good GET: a server-side stand-in whose GETs fail once.
    const s = await start({ cuts: [3] });
    let first = true;
    const fetchOnce: ChatStreamOptions['fetch'] = async (url, init) => {
      if (init.method === 'GET' && first) {
        first = false;
        return new Response(JSON.stringify({ message: 'busy' }), { status: 503, headers: { 'content-type': 'application/json' } });
      }
      return fetch(url, init);
    };
    const events = await lastValueFrom(chatStream$(request, optionsOf(s, { fetch: fetchOnce })).pipe(toArray()));
    expect(events).toEqual(longTurn);
    expect(first).toBe(false);
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['3']);
  });
});

describe('chatStream$: unsubscribe = Stop', () => {
  it('should DELETE the generation, and close the connection, on an unsubscribe before the end', async () => {
    const s = await start({ holdAfter: 3 });
    const events = await lastValueFrom(chatStream$(request, optionsOf(s)).pipe(take(3), toArray()));
    expect(events).toHaveLength(3);
    await s.deleted();
    await s.loopback.clientClosed();
    const [stop] = s.deletes();
    expect(stop!.url).toBe(`/v2/chat/${s.id}`);
    expect(stop!.headers['authorization']).toBeUndefined();
    expect(stop!.headers['content-type']).toBeUndefined();
    expect(s.posts()).toHaveLength(1);
  });

  it('should DELETE the generation when the caller aborts its signal (a Stop too), and error with CohereAbortError', async () => {
    const s = await start({ holdAfter: 2 });
    const controller = new AbortController();
    // Once the response (and so the id) has arrived.
    const onResponse = (): void => void setImmediate(() => controller.abort());
    const outcome = await collect(chatStream$(request, optionsOf(s, { signal: controller.signal, onResponse })));
    expect(isCohereAbortError(outcome.error)).toBe(true);
    await s.deleted();
    expect(s.deletes()[0]!.url).toBe(`/v2/chat/${s.id}`);
  });

  it('should DELETE and open nothing when unsubscribed during the wait before a resume', async () => {
    const s = await start({ cuts: [2] });
    const stop = new Subscription();
    // The telemetry hook is told of each retry right before its wait: unsubscribe there.
    const telemetry = {
      chat: (_request: unknown, _baseUrl: unknown, open: (trace: object) => ReturnType<typeof chatStream$>) =>
        open({ retry: () => setImmediate(() => stop.unsubscribe()) }),
    } as unknown as Telemetry;
    const values: ChatStreamEvent[] = [];
    stop.add(chatStream$(request, optionsOf(s, { telemetry })).subscribe((e) => values.push(e)));
    await s.deleted();
    await sleep(800); // longer than the first wait (250–500 ms): a resume would have come
    expect(values).toEqual(longTurn.slice(0, 2));
    expect(s.gets()).toHaveLength(0);
    expect(s.deletes()).toHaveLength(1);
  });

  it('should not DELETE on an unsubscribe after the end', async () => {
    const s = await start();
    let subscription: Subscription | undefined;
    await new Promise<void>((resolve) => {
      subscription = chatStream$(request, optionsOf(s)).subscribe({ complete: resolve });
    });
    subscription!.unsubscribe();
    await sleep(200);
    expect(s.deletes()).toHaveLength(0);
  });

  it('should not DELETE on an unsubscribe right after message-end, while the connection is still open', async () => {
    // Every frame sent, the response held open: the unsubscribe comes before the body's end.
    const s = await start({ holdAfter: longTurn.length });
    const events = await lastValueFrom(
      chatStream$(request, optionsOf(s)).pipe(
        takeWhile((e) => e.type !== 'message-end', true),
        toArray(),
      ),
    );
    expect(events).toEqual(longTurn);
    await sleep(200);
    expect(s.deletes()).toHaveLength(0);
  });

  it('should not DELETE after an error (the generation stays resumable)', async () => {
    const s = await start({ cuts: [3], cutKind: 'end' });
    let subscription: Subscription | undefined;
    const done = new Promise<unknown>((resolve) => {
      subscription = chatStream$(request, optionsOf(s, { maxRetries: 0 })).subscribe({ error: resolve });
    });
    expect(isCohereIncompleteStreamError(await done)).toBe(true);
    subscription!.unsubscribe();
    await sleep(200);
    expect(s.deletes()).toHaveLength(0);
  });
});

describe('chatStream$ without a generation id (Cohere, or a relay without a store)', () => {
  it('should not resume: a cut after events is a CohereConnectionError, with one POST and no GET', async () => {
    const s = await start({ noGeneration: true, cuts: [3] });
    const outcome = await collect(chatStream$(request, optionsOf(s)));
    expect(errorOf(outcome, isCohereConnectionError).phase).toBe('body');
    expect(outcome.values).toEqual(longTurn.slice(0, 3));
    expect(s.posts()).toHaveLength(1);
    expect(s.gets()).toHaveLength(0);
  });

  it('should take a generation id unfit for a URL for none: no resume, and no DELETE', async () => {
    const s = await start({ headerId: '../../admin', cuts: [3] });
    const outcome = await collect(chatStream$(request, optionsOf(s)));
    expect(isCohereConnectionError(outcome.error)).toBe(true);
    expect(outcome.values).toEqual(longTurn.slice(0, 3));
    await sleep(100);
    expect(s.requests.map((r) => r.method)).toEqual(['POST']);
  });

  it('should not DELETE on an unsubscribe', async () => {
    const s = await start({ noGeneration: true, holdAfter: 3 });
    await lastValueFrom(chatStream$(request, optionsOf(s)).pipe(take(3), toArray()));
    await s.loopback.clientClosed();
    await sleep(200);
    expect(s.deletes()).toHaveLength(0);
  });
});

describe('resumeChat$', () => {
  it('should stream a stored generation from its start without lastEventId (no POST, no Last-Event-ID)', async () => {
    const s = await start();
    const events = await lastValueFrom(resumeChat$(s.id, optionsOf(s)).pipe(toArray()));
    expect(events).toEqual(longTurn);
    expect(s.posts()).toHaveLength(0);
    expect(s.gets().map((g) => [g.url, g.headers['last-event-id']])).toEqual([[`/v2/chat/${s.id}`, undefined]]);
  });

  it('should stream the frames after lastEventId, and resume again after a cut', async () => {
    const s = await start({ cuts: [9] });
    const events = await lastValueFrom(resumeChat$(s.id, { ...optionsOf(s), lastEventId: 6 }).pipe(toArray()));
    expect(events).toEqual(longTurn.slice(6));
    expect(s.gets().map((g) => g.headers['last-event-id'])).toEqual(['6', '9']);
  });

  it('should be cold: nothing is requested before subscribe', async () => {
    const s = await start();
    const resumed$ = resumeChat$(s.id, optionsOf(s));
    await sleep(50);
    expect(s.requests).toHaveLength(0);
    await lastValueFrom(resumed$);
    expect(s.gets()).toHaveLength(1);
  });

  it('should DELETE the generation on an unsubscribe before the end', async () => {
    const s = await start({ holdAfter: 2 });
    await lastValueFrom(resumeChat$(s.id, optionsOf(s)).pipe(take(2), toArray()));
    await s.deleted();
    expect(s.deletes()[0]!.url).toBe(`/v2/chat/${s.id}`);
  });

  it('should end with a CohereIncompleteStreamError (cause: the 404) for an unknown id, never hang', async () => {
    const s = await start();
    const outcome = await collect(resumeChat$('0b7c1c7e-unknown', optionsOf(s)));
    const error = errorOf(outcome, isCohereIncompleteStreamError);
    expect(error.eventCount).toBe(0);
    expect(narrow(error.cause, isCohereApiError).status).toBe(404);
  });

  it.each([
    ['an empty id', '', {}],
    ['an id with a slash', 'a/../b', {}],
    ['a negative lastEventId', 'abc', { lastEventId: -1 }],
    ['a fractional lastEventId', 'abc', { lastEventId: 1.5 }],
    ['a string lastEventId', 'abc', { lastEventId: '3' as unknown as number }],
  ])('should fail with a CohereConfigError, sending nothing, for %s', async (_name, id, extra) => {
    const s = await start();
    const outcome = await collect(resumeChat$(id, { ...optionsOf(s), ...extra }));
    const error = errorOf(outcome, isCohereConfigError);
    expect(['id', 'lastEventId']).toContain(error.option);
    expect(s.requests).toHaveLength(0);
  });
});

describe('onResponse', () => {
  it('should be called with the status and headers of the POST and of each resume, before their first event', async () => {
    const s = await start({ cuts: [4] });
    const infos: ResponseInfo[] = [];
    const log: string[] = [];
    await new Promise<void>((resolve, reject) =>
      chatStream$(
        request,
        optionsOf(s, {
          onResponse: (info) => {
            infos.push(info);
            log.push('response');
          },
        }),
      ).subscribe({
        next: (e) => log.push(e.type),
        error: reject,
        complete: resolve,
      }),
    );
    // The resume's response comes before its first event: right after the 4th.
    expect(log.indexOf('response', 1)).toBe(5);
    expect(infos).toHaveLength(2);
    expect(infos.map((i) => i.status)).toEqual([200, 200]);
    expect(infos.map((i) => i.headers.get('x-cohere-rx-generation'))).toEqual([s.id, s.id]);
    expect(infos[0]!.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });

  it('should come before the first event, and give a page the id to store', async () => {
    const s = await start();
    const log: string[] = [];
    let stored: string | null = null;
    await new Promise<void>((resolve, reject) =>
      chatStream$(
        request,
        optionsOf(s, {
          onResponse: ({ headers }) => {
            stored = headers.get('x-cohere-rx-generation');
            log.push('response');
          },
        }),
      ).subscribe({ next: (e) => log.push(e.type), error: reject, complete: resolve }),
    );
    expect(stored).toBe(s.id);
    expect(log[0]).toBe('response');
    expect(log.slice(1)).toEqual(longTurn.map((e) => (e as { type: string }).type));
  });

  it('should be told of an error response too (its status and headers)', async () => {
    const s = await start({ getStatus: 404 });
    const statuses: number[] = [];
    await collect(resumeChat$(s.id, optionsOf(s, { onResponse: ({ status }) => statuses.push(status) })));
    expect(statuses).toEqual([404]);
  });

  it('should end the stream with what it throws', async () => {
    const s = await start();
    const boom = new Error('the page failed');
    const outcome = await collect(
      chatStream$(
        request,
        optionsOf(s, {
          onResponse: () => {
            throw boom;
          },
        }),
      ),
    );
    expect(outcome.error).toBe(boom);
    expect(outcome.values).toEqual([]);
  });

  it('should be checked: not a function is a CohereConfigError, before any request', async () => {
    const s = await start();
    const outcome = await collect(chatStream$(request, optionsOf(s, { onResponse: 'log' as unknown as () => void })));
    expect(errorOf(outcome, isCohereConfigError).option).toBe('onResponse');
    expect(s.requests).toHaveLength(0);
  });
});
