import fc from 'fast-check';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chatStream$, isStepEndEvent, isToolResultEvent, type ChatMessage, type ChatRequest, type ToolLoopEvent } from '../../../lib';
import { answerEvents, toolCallEvents } from '../../../lib/testing/eventSequences';
import { collect } from '../../helpers/collect';
import { sseHeaders, type Loopback } from '../../helpers/loopback';
import { toSse } from '../../helpers/sse';
import { browser, closeAll, FLAVOURS, KEY, post, rawStream, setUp, sseMessages } from '../harness';

// The attacks: a page reading what the server keeps to itself (prepare's
// system prompt and documents), a tool's thrown error carrying another
// service's credentials in its fields, and a page sending tool definitions
// of its own to a relay that runs tools.
const SYSTEM = 'SECRET-SYSTEM-PROMPT: the discount code is HUNTER2';
const DOCUMENT = 'SECRET-DOCUMENT: quarterly numbers';
const OTHER_SERVICE_TOKEN = 'Bearer other-service-token-7f3a9c';

/** Turn 1 calls `tool` (or each of `calls`); turn 2 answers. */
function loopUpstream(calls: { name: string; id: string }[]): (req: IncomingMessage, res: ServerResponse, index: number) => void {
  let up: Loopback | undefined;
  const handler = (_req: IncomingMessage, res: ServerResponse, index: number) => {
    const messages = (JSON.parse(up!.requests[index]!.body) as ChatRequest).messages;
    const last = messages[messages.length - 1];
    res.writeHead(200, sseHeaders);
    res.end(
      toSse(
        last?.role === 'tool'
          ? answerEvents('Done.', { id: `answer-${index}` })
          : toolCallEvents(
              calls.map((c) => ({ ...c, arguments: { city: 'Paris' } })),
              { id: `calls-${index}` },
            ),
      ),
    );
  };
  return Object.assign(handler, { bind: (loopback: Loopback) => (up = loopback) });
}

const asked: ChatRequest = {
  model: 'command-a-03-2025',
  messages: [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: [{ type: 'text', text: 'Which unit?' }] },
    { role: 'user', content: 'Celsius' },
  ],
};

/** A prepare that adds what must stay on the server. */
const prepare = (body: ChatRequest) => ({
  ...body,
  messages: [{ role: 'system' as const, content: SYSTEM }, ...body.messages],
  documents: [{ id: 'doc-1', data: { text: DOCUMENT } }],
});

afterEach(closeAll);

describe.each(FLAVOURS)('what the browser sees of a server-side tool loop, relay served by %s', (flavour) => {
  async function loop(tools: Record<string, { execute: (args: { city: string }) => unknown }>, extra = {}) {
    const upstream = loopUpstream(Object.keys(tools).map((name, i) => ({ name, id: `call_${i}` })));
    const s = await setUp(flavour, upstream, { tools, prepare, ...extra });
    upstream.bind(s.up);
    return s;
  }

  it("should give the browser in step-end its own messages as it sent them, then this request's assistant and tool messages", async () => {
    const { up, relay } = await loop({ get_weather: { execute: () => ({ tempC: 21 }) } });
    const outcome = await collect(chatStream$(asked, browser(relay)));
    expect(outcome.completed).toBe(true);
    const ends = outcome.values.filter((e) => isStepEndEvent(e as ToolLoopEvent)) as unknown as { messages: ChatMessage[] }[];
    expect(ends).toHaveLength(2);
    expect(ends[0]!.messages.slice(0, 3)).toEqual(asked.messages);
    expect(ends[0]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'tool']);
    expect(ends[1]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'tool', 'assistant']);
    // Upstream, the model did get what prepare added.
    const sent = JSON.parse(up.requests[0]!.body) as ChatRequest & { documents: unknown[] };
    expect(sent.messages[0]).toEqual({ role: 'system', content: SYSTEM });
    expect(JSON.stringify(sent.documents)).toContain(DOCUMENT);
  });

  it('should put nothing prepare added into any byte the browser gets (system prompt, documents)', async () => {
    const { relay } = await loop({ get_weather: { execute: () => ({ tempC: 21 }) } });
    const raw = await rawStream(relay, asked);
    expect(raw.status).toBe(200);
    expect(raw.text).not.toContain('SECRET-SYSTEM-PROMPT');
    expect(raw.text).not.toContain('SECRET-DOCUMENT');
    expect(raw.text).not.toContain('HUNTER2');
  });

  it("should keep the browser's messages as it sent them when prepare rewrites them in place", async () => {
    const upstream = loopUpstream([{ name: 'get_weather', id: 'call_0' }]);
    const s = await setUp(flavour, upstream, {
      tools: { get_weather: { execute: () => 21 } },
      prepare: (body) => {
        // A prepare that edits the objects it was given.
        const first = body.messages[0] as { content: string };
        first.content = `${SYSTEM}\n${first.content}`;
        body.messages.unshift({ role: 'system', content: SYSTEM });
      },
    });
    upstream.bind(s.up);
    const raw = await rawStream(s.relay, asked);
    expect(raw.text).not.toContain('SECRET-SYSTEM-PROMPT');
    const ends = sseMessages(raw.text).filter((m) => m.name === 'cohere-rx-step-end');
    expect((ends[0]!.data as { messages: ChatMessage[] }).messages.slice(0, 3)).toEqual(asked.messages);
  });

  it("should send a thrown HTTP client error as a bounded message string: no field of it, its request's headers included", async () => {
    const failure = Object.assign(new Error('Request failed with status code 401'), {
      name: 'AxiosError',
      code: 'ERR_BAD_REQUEST',
      config: {
        url: 'https://billing.internal/charge',
        headers: { Authorization: OTHER_SERVICE_TOKEN, 'x-api-key': 'billing-key-123456' },
      },
      request: { _header: `POST /charge HTTP/1.1\r\nAuthorization: ${OTHER_SERVICE_TOKEN}` },
      response: { status: 401, data: { detail: 'bad token billing-key-123456' } },
      toJSON: () => ({ config: { headers: { Authorization: OTHER_SERVICE_TOKEN } } }),
    });
    const seen: unknown[] = [];
    const { up, relay } = await loop(
      {
        get_weather: {
          execute: () => {
            throw failure;
          },
        },
      },
      { onError: (error: unknown) => seen.push(error) },
    );
    const raw = await rawStream(relay, asked);
    expect(raw.text).not.toContain('other-service-token');
    expect(raw.text).not.toContain('billing');
    const result = sseMessages(raw.text).find((m) => m.name === 'cohere-rx-tool-result')!.data as { error: unknown };
    expect(result.error).toBe('Request failed with status code 401');
    // The model got the same words, and nothing else.
    const toolMessage = (JSON.parse(up.requests[1]!.body) as ChatRequest).messages.at(-1)!;
    expect(toolMessage).toEqual({
      role: 'tool',
      tool_call_id: 'call_0',
      content: [{ type: 'document', document: { data: { error: 'Request failed with status code 401' } } }],
    });
    // The server's log gets the error itself, whole.
    expect(seen).toContain(failure);
  });

  it("should give the browser's chatStream$ the failure as a string in tool-result", async () => {
    const { relay } = await loop({
      get_weather: {
        execute: () => Promise.reject(Object.assign(new Error('upstream weather service down'), { secret: 'x-secret-field' })),
      },
    });
    const outcome = await collect(chatStream$(asked, browser(relay)));
    const result = outcome.values.find((e) => isToolResultEvent(e as ToolLoopEvent)) as unknown as { error: unknown };
    expect(result.error).toBe('upstream weather service down');
    expect(outcome.completed).toBe(true);
  });

  it('should bound and scrub what any thrown value becomes, the same for the model and the browser (property: error shapes)', async () => {
    let thrown: unknown;
    const seen: unknown[] = [];
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- any thrown value, on purpose
    const { up, relay } = await loop({ get_weather: { execute: () => Promise.reject(thrown) } }, { onError: (e: unknown) => seen.push(e) });
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constant(`bad key ${KEY}`), fc.string({ minLength: 600, maxLength: 2000 }));
    const errors = fc.oneof(
      text.map((message) => new Error(message)),
      text.map((message) => Object.assign(new TypeError(message), { headers: { authorization: OTHER_SERVICE_TOKEN } })),
      fc.record({
        message: fc.oneof(text, fc.integer(), fc.constant(null)),
        name: fc.oneof(text, fc.constant(undefined)),
        token: fc.constant(OTHER_SERVICE_TOKEN),
      }),
      text,
      fc.oneof(fc.integer(), fc.constant(null), fc.constant(undefined), fc.boolean()),
      fc.constant(
        Object.defineProperty({ token: OTHER_SERVICE_TOKEN }, 'message', {
          get() {
            throw new Error('a getter that throws');
          },
        }),
      ),
      fc.constant(
        new Proxy({ token: OTHER_SERVICE_TOKEN }, { get: (_t, key) => (key === 'message' ? OTHER_SERVICE_TOKEN.slice(0, 3) : undefined) }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(errors, async (error) => {
        thrown = error;
        const before = up.requests.length;
        const raw = await rawStream(relay, asked);
        const result = sseMessages(raw.text).find((m) => m.name === 'cohere-rx-tool-result')!.data as { error: unknown };
        expect(typeof result.error).toBe('string');
        const words = result.error as string;
        expect(words.length).toBeGreaterThan(0);
        expect(words.length).toBeLessThanOrEqual(501);
        expect(raw.text).not.toContain(KEY.slice(0, 12));
        expect(raw.text).not.toContain('other-service-token');
        const toolMessage = (JSON.parse(up.requests[before + 1]!.body) as ChatRequest).messages.at(-1) as {
          content: { document: { data: unknown } }[];
        };
        expect(toolMessage.content[0]!.document.data).toEqual({ error: words });
        expect(seen.at(-1)).toBe(error);
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('should refuse a request carrying tools with 400 when the relay runs its own, before prepare', async () => {
    let prepared = 0;
    const s = await setUp(flavour, () => undefined, {
      tools: { get_weather: { execute: () => 1 } },
      prepare: () => void prepared++,
    });
    for (const tools of [[{ type: 'function', function: { name: 'transfer_money', parameters: {} } }], [], null]) {
      const refused = await post(s.relay, JSON.stringify({ ...asked, tools }));
      expect(refused.status).toBe(400);
      expect(refused.headers['x-should-retry']).toBe('false');
      expect(JSON.parse(refused.text)).toEqual({ message: expect.stringContaining('runs its own tools') });
    }
    expect(prepared).toBe(0);
    expect(s.up.requests).toHaveLength(0);
  });

  it("should send the model only the server's tool definitions, whatever prepare adds", async () => {
    const upstream = loopUpstream([{ name: 'get_weather', id: 'call_0' }]);
    const s = await setUp(flavour, upstream, {
      tools: { get_weather: { description: 'Weather', parameters: { type: 'object' }, execute: () => 1 } },
      prepare: (body) => ({ ...body, tools: [{ type: 'function', function: { name: 'transfer_money', parameters: {} } }] }),
    });
    upstream.bind(s.up);
    await rawStream(s.relay, asked);
    for (const sent of s.up.requests) {
      expect((JSON.parse(sent.body) as ChatRequest).tools).toEqual([
        { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } },
      ]);
    }
  });

  it('should run at most 4 server-side tools at once by default', async () => {
    let running = 0;
    let most = 0;
    const slow = {
      execute: async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return 1;
      },
    };
    const tools = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`tool_${i}`, slow]));
    const { relay } = await loop(tools);
    const outcome = await collect(chatStream$(asked, browser(relay)));
    expect(outcome.completed).toBe(true);
    expect(outcome.values.filter((e) => isToolResultEvent(e as ToolLoopEvent))).toHaveLength(9);
    expect(most).toBe(4);
  });
});

describe('a relay without server-side tools', () => {
  it("should pass a page's own tools upstream, as before", async () => {
    const s = await setUp('node:http', (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(toSse(answerEvents('ok')));
    });
    const tools = [{ type: 'function', function: { name: 'page_tool', parameters: { type: 'object' } } }];
    expect((await post(s.relay, JSON.stringify({ ...asked, tools }))).status).toBe(200);
    expect((JSON.parse(s.up.requests[0]!.body) as ChatRequest).tools).toEqual(tools);
  });
});
