import { lastValueFrom, toArray } from 'rxjs';
import {
  chatStream$,
  CohereApiError,
  CohereConnectionError,
  CohereContentTypeError,
  CohereIncompleteStreamError,
  CohereTimeoutError,
  textOnly,
  type ChatRequest,
  type ChatStreamOptions,
  isCohereApiError,
  isCohereConnectionError,
  isCohereContentTypeError,
  isCohereParseError,
} from '../lib';
import { answerEvents, startReplayServer, type ReplayServer } from '../lib/testing';
import { transcriptEvents } from './helpers/transcripts';
import { collect, errorOf } from './helpers/collect';

// Every fault the replay server can inject, observed through chatStream$.
const request: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }] };
const textEvents = transcriptEvents('text');

let server: ReplayServer;
beforeEach(async () => {
  server = await startReplayServer();
});
afterEach(() => server.close());

const run = (options: ChatStreamOptions = {}, req: ChatRequest = request) =>
  collect(chatStream$(req, { baseUrl: server.url, apiKey: 'k', ...options }));

describe('startReplayServer', () => {
  it('should stream the text transcript exactly', async () => {
    const out = await run();
    expect(out.completed).toBe(true);
    expect(out.values).toEqual(textEvents);
  });

  describe('picks a transcript', () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }];
    it.each<[string, ChatStreamOptions, ChatRequest, string]>([
      ['tools and no tool result yet', {}, { ...request, tools }, 'tool-calls'],
      [
        'a tool result',
        {},
        { ...request, tools, messages: [...request.messages, { role: 'tool', tool_call_id: 'x', content: '{}' }] },
        'tool-answer',
      ],
      ['documents', {}, { ...request, documents: ['penguins live in Antarctica'] }, 'rag'],
      ['thinking enabled', {}, { ...request, thinking: { type: 'enabled' } }, 'thinking'],
      ['X-Replay-Transcript', { headers: { 'x-replay-transcript': 'rag' } }, request, 'rag'],
    ])('should pick it from %s', async (_name, options, req, transcript) => {
      await run(options, req);
      expect(server.requests.map((r) => r.transcript)).toEqual([transcript]);
    });
  });

  it('should serve scripted transcripts given as events', async () => {
    await server.close();
    server = await startReplayServer({ transcripts: { text: answerEvents('Scripted, just for this test.') } });
    const text = await lastValueFrom(chatStream$(request, { baseUrl: server.url, apiKey: 'k' }).pipe(textOnly(), toArray()));
    expect(text).toEqual(['Scripted', ',', ' just', ' for', ' this', ' test', '.']);
  });

  it('should stream the same events when every write is one byte', async () => {
    await server.close();
    server = await startReplayServer({ chunking: 1 });
    const out = await run();
    expect(out.values).toEqual(textEvents);
  });

  it('should space events by delayMs', async () => {
    await server.close();
    server = await startReplayServer({ delayMs: 5 });
    const started = Date.now();
    const out = await run();
    expect(out.completed).toBe(true);
    // One frame per event (and one for [DONE]), each 5 ms or more apart: the delay is honoured.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * textEvents.length);
  });

  it('should answer a wrong key with a 401 like Cohere', async () => {
    await server.close();
    server = await startReplayServer({ apiKey: 'right' });
    const out = await run({ apiKey: 'wrong' });
    expect(out.error).toBeInstanceOf(CohereApiError);
    expect(errorOf(out, isCohereApiError).status).toBe(401);
    expect(errorOf(out, isCohereApiError).message).toBe('Cohere API request failed with status 401: invalid api token');
  });

  it('should stream to the right key', async () => {
    await server.close();
    server = await startReplayServer({ apiKey: 'right' });
    expect((await run({ apiKey: 'right' })).completed).toBe(true);
  });

  it('should reject a body without a model with a Cohere-shaped 400', async () => {
    const noModel = await run({}, { messages: request.messages } as ChatRequest /* no model, on purpose */);
    expect(errorOf(noModel, isCohereApiError).status).toBe(400);
    expect(errorOf(noModel, isCohereApiError).message).toContain('invalid request: model is required');
  });

  it('should reject empty messages with a Cohere-shaped 400', async () => {
    const noMessages = await run({}, { ...request, messages: [] });
    expect(errorOf(noMessages, isCohereApiError).message).toContain('messages must be a non-empty array');
    expect(errorOf(noMessages, isCohereApiError).body).toMatchObject({ message: 'invalid request: messages must be a non-empty array' });
  });

  describe('faults', () => {
    it('status: a 429 with Retry-After is retried, then streams', async () => {
      server.failNext({ kind: 'status', status: 429, retryAfter: '0' });
      const out = await run();
      expect(out.values).toEqual(textEvents);
      expect(server.requests).toHaveLength(2);
    });

    it('status: a 500 surfaces as CohereApiError when retries are off', async () => {
      server.failNext({ kind: 'status', status: 500 });
      const out = await run({ maxRetries: 0 });
      expect(errorOf(out, isCohereApiError).status).toBe(500);
      expect(errorOf(out, isCohereApiError).message).toContain('internal server error');
    });

    it('reset before headers: a request error when retries are off', async () => {
      server.failNext({ kind: 'reset', at: 'before-headers' });
      const failed = await run({ maxRetries: 0 });
      expect(failed.error).toBeInstanceOf(CohereConnectionError);
      expect(errorOf(failed, isCohereConnectionError).phase).toBe('request');
    });

    it('reset before headers: retried when allowed', async () => {
      server.failNext({ kind: 'reset', at: 'before-headers' });
      const retried = await run();
      expect(retried.values).toEqual(textEvents);
    });

    it('reset after headers: a body error before any event when retries are off', async () => {
      server.failNext({ kind: 'reset', at: 'after-headers' });
      const failed = await run({ maxRetries: 0 });
      expect(failed.values).toEqual([]);
      expect(errorOf(failed, isCohereConnectionError).phase).toBe('body');
    });

    it('reset after headers: retried when allowed', async () => {
      server.failNext({ kind: 'reset', at: 'after-headers' });
      expect((await run()).values).toEqual(textEvents);
    });

    it('reset mid-event: the events before it, then CohereConnectionError, never retried', async () => {
      server.failNext({ kind: 'reset', afterEvents: 5, midEvent: true });
      const out = await run();
      expect(out.values).toEqual(textEvents.slice(0, 5));
      expect(out.error).toBeInstanceOf(CohereConnectionError);
      expect(server.requests).toHaveLength(1);
    });

    it('stall: the idle timeout fires and the connection closes', async () => {
      server.failNext({ kind: 'stall', afterEvents: 3 });
      const out = await run({ idleTimeoutMs: 100 });
      expect(out.values).toEqual(textEvents.slice(0, 3));
      expect(out.error).toBeInstanceOf(CohereTimeoutError);
      await server.waitForClientAborts(1);
      expect(server.activeResponses()).toBe(0);
    });

    it('truncate: the events so far, then CohereIncompleteStreamError', async () => {
      server.failNext({ kind: 'truncate', afterEvents: 4 });
      const out = await run();
      expect(out.values).toEqual(textEvents.slice(0, 4));
      expect(out.error).toBeInstanceOf(CohereIncompleteStreamError);
    });

    it('malformed: the events so far, then CohereParseError quoting the line', async () => {
      server.failNext({ kind: 'malformed', afterEvents: 2, line: '{"type":"content-delta",' });
      const out = await run();
      expect(out.values).toEqual(textEvents.slice(0, 2));
      expect(errorOf(out, isCohereParseError).data).toBe('{"type":"content-delta",');
    });

    it('html: a 200 that is not an event stream', async () => {
      server.failNext({ kind: 'html' });
      const out = await run();
      expect(out.error).toBeInstanceOf(CohereContentTypeError);
      expect(errorOf(out, isCohereContentTypeError).bodySnippet).toContain('Sign in to continue');
    });
  });

  it('should answer CORS preflights', async () => {
    const preflight = await fetch(`${server.url}/v2/chat`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:9',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('should tag its responses for pages (Access-Control-Allow-Origin)', async () => {
    const res = await fetch(`${server.url}/v2/chat`, { method: 'POST', body: JSON.stringify({ ...request, stream: true }) });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    await res.text();
  });

  it('should report open connections and close them all', async () => {
    await server.close();
    server = await startReplayServer({ delayMs: 20 });
    const sub = chatStream$(request, { baseUrl: server.url, apiKey: 'k' }).subscribe();
    while (server.activeResponses() === 0) await new Promise((r) => setTimeout(r, 5));
    expect(server.openConnections()).toBe(1);
    sub.unsubscribe();
    await server.waitForClientAborts(1);
    await server.waitForIdle();
    expect(server.openConnections()).toBe(0);
    expect(server.activeResponses()).toBe(0);
  });
});
