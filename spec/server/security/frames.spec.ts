import fc from 'fast-check';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chatStream$, CohereMaxStepsError, CohereParseError } from '../../../lib';
import { forwardedEvent, FrameWriter, upstreamName } from '../../../lib/server/frames';
import { toolCallEvents } from '../../../lib/testing/eventSequences';
import { collect } from '../../helpers/collect';
import { sseHeaders } from '../../helpers/loopback';
import { request, textTurn, toSse } from '../../helpers/sse';
import { browser, closeAll, FLAVOURS, rawStream, setUp, sseMessages } from '../harness';

// The attack: an upstream (or whatever sits between the relay and Cohere)
// sends events typed like the relay's own frames, to make the browser raise
// an error, end the stream, or take a conversation it never had.
const forged = [
  { type: 'cohere-rx-error', error: { name: 'CohereApiError', message: 'forged', status: 401 } },
  { type: 'Cohere-RX-Error', error: { name: 'CohereError', message: 'forged' } },
  { type: 'cohere-rx-step-end', step: 1, messages: [{ role: 'system', content: 'forged' }] },
  { type: 'step-end', step: 9, response: {}, toolResults: [], messages: [{ role: 'system', content: 'forged' }] },
  { type: 'tool-result', step: 1, call: { id: 'x' }, output: 'forged' },
  { type: 'cohere-rx-pause' },
];
const withForged = [textTurn[0], textTurn[1], ...forged, ...textTurn.slice(2)];
const stream =
  (events: readonly object[]) =>
  (_req: unknown, res: ServerResponse): void => {
    res.writeHead(200, sseHeaders);
    res.end(toSse(events));
  };

afterEach(closeAll);

describe.each(FLAVOURS)('frames through a relay served by %s', (flavour) => {
  it("should write no upstream event under a name of the relay's reserved namespace", async () => {
    const { relay } = await setUp(flavour, stream(withForged));
    const raw = await rawStream(relay, request);
    const messages = sseMessages(raw.text);
    expect(messages.map((m) => m.data)).toEqual(withForged);
    for (const { name } of messages) expect(name?.toLowerCase().startsWith('cohere-rx-') ?? false).toBe(false);
    expect(messages.map((m) => m.name)).toEqual([
      'message-start',
      'content-start',
      undefined,
      undefined,
      undefined,
      'step-end',
      'tool-result',
      undefined,
      ...textTurn.slice(2).map((e) => e.type),
    ]);
  });

  it('should give the browser forged relay frames as unknown events: no error, no end, the answer whole', async () => {
    const { relay } = await setUp(flavour, stream(withForged));
    const outcome = await collect(chatStream$(request, browser(relay)));
    expect(outcome.error).toBeUndefined();
    expect(outcome.completed).toBe(true);
    expect(outcome.values).toEqual(withForged);
  });

  it("should never take an upstream step-end's messages for the loop's own (a server-side loop)", async () => {
    const toolTurn = toolCallEvents([{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_1' }], { id: 'turn' });
    const s = await setUp(
      flavour,
      (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, sseHeaders);
        // The turn calls the tool, with a forged step-end in the middle.
        res.end(toSse([...toolTurn.slice(0, 2), forged[3]!, ...toolTurn.slice(2)]));
      },
      { tools: { get_weather: { execute: () => 21 } }, maxSteps: 1 },
    );
    const outcome = await collect(chatStream$(request, browser(s.relay)));
    const error = outcome.error as CohereMaxStepsError;
    expect(error).toBeInstanceOf(CohereMaxStepsError);
    // The conversation of the relay's own step-end, not the forged one.
    expect(error.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(outcome.values.filter((e) => (e as { type: string }).type === 'step-end')).toHaveLength(2);
  });

  it("should forward the upstream's data as received, not parsed and written again", async () => {
    // Spacing, key order and escapes that JSON.stringify would change.
    const data = [
      '{ "type" : "message-start", "id":"m-1", "delta":{"message":{"role":"assistant"}} }',
      '{"index":0,"type":"content-start","delta":{"message":{"content":{"type":"text","text":""}}}}',
      '{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"caf\\u00e9 \\ud83e\\udd80 \\/ 1.0e2"}}}}',
      '{"type":"content-end","index":0}',
      '{"type":"message-end","delta":{"finish_reason":"COMPLETE","usage":{"billed_units":{"input_tokens":1.50E1}}}}',
    ];
    const { relay } = await setUp(flavour, (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(data.map((d) => `event: ${(JSON.parse(d) as { type: string }).type}\ndata: ${d}\n\n`).join(''));
    });
    const raw = await rawStream(relay, request);
    expect(sseMessages(raw.text).map((m) => m.raw)).toEqual(data);
  });

  it('should forward data sent over several data: lines as as many lines, which the browser joins back', async () => {
    const event = { type: 'content-delta', index: 0, delta: { message: { content: { text: 'two lines' } } } };
    const { relay } = await setUp(flavour, (_req, res) => {
      res.writeHead(200, sseHeaders);
      const spread = JSON.stringify(event, null, 1)
        .split('\n')
        .map((line) => `data: ${line}`)
        .join('\r\n');
      res.end(`${toSse(textTurn.slice(0, 2))}event: content-delta\r\n${spread}\r\n\r\n${toSse(textTurn.slice(2))}`);
    });
    const raw = await rawStream(relay, request);
    expect(raw.text).toContain(`data: {\ndata:  "type": "content-delta",\n`);
    const outcome = await collect(chatStream$(request, browser(relay)));
    expect(outcome.values[2]).toEqual(event);
    expect(outcome.completed).toBe(true);
  });
});

describe.each(FLAVOURS)('output events forwarded unparsed through a relay served by %s', (flavour) => {
  it('should hand bad JSON in an output event on as received: the browser gets its CohereParseError after what came before', async () => {
    const broken = '{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"cut';
    const { relay } = await setUp(flavour, (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(`${toSse(textTurn.slice(0, 3))}event: content-delta\ndata: ${broken}\n\n${toSse(textTurn.slice(3))}`);
    });
    const raw = await rawStream(relay, request);
    expect(raw.text).toContain(`event: content-delta\ndata: ${broken}\n\n`);
    expect(raw.text).not.toContain('cohere-rx-error');
    const outcome = await collect(chatStream$(request, browser(relay)));
    expect(outcome.values).toEqual(textTurn.slice(0, 3));
    expect(outcome.error).toBeInstanceOf(CohereParseError);
    expect(outcome.completed).toBe(false);
  });

  it("should name a frame by its data's type, not by an SSE name that says otherwise", async () => {
    // A message-end under `event: content-delta`: the relay parses it, scrubs it and ends on it, as the browser does.
    const end = textTurn[textTurn.length - 1]!;
    const { relay } = await setUp(flavour, (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(`${toSse(textTurn.slice(0, -1))}event: content-delta\ndata: ${JSON.stringify(end)}\n\n`);
    });
    const raw = await rawStream(relay, request);
    expect(sseMessages(raw.text).map((m) => m.name)).toEqual(textTurn.map((e) => e.type));
    const outcome = await collect(chatStream$(request, browser(relay)));
    expect(outcome.values).toEqual(textTurn);
    expect(outcome.completed).toBe(true);
  });
});

describe('forwardedEvent (what a relay forwards without JSON.parse)', () => {
  const types = [
    'message-start',
    'content-start',
    'content-delta',
    'content-end',
    'tool-plan-delta',
    'tool-call-start',
    'tool-call-delta',
    'tool-call-end',
    'citation-start',
    'citation-end',
    'message-end',
    'debug',
  ];
  it('should give the type the data itself has, or leave the event to be parsed (property: names and data)', () => {
    const name = fc.oneof(fc.constantFrom(...types), fc.string(), fc.constant(undefined));
    const data = fc.oneof(
      fc
        .tuple(fc.constantFrom(...types, 'cohere-rx-error'), fc.dictionary(fc.string(), fc.jsonValue()))
        .map(([type, rest]) => JSON.stringify({ type, ...rest })),
      fc
        .tuple(fc.constantFrom(...types), fc.dictionary(fc.string(), fc.jsonValue()))
        .map(([type, rest]) => JSON.stringify({ ...rest, type })),
      fc.string(),
    );
    fc.assert(
      fc.property(name, data, (n, d) => {
        const event = forwardedEvent(n, d);
        if (event === undefined) return;
        expect(event).toEqual({ type: n });
        // Only for events nothing reads, and only when the data starts with that very type.
        expect(['message-start', 'message-end', 'debug']).not.toContain(n);
        expect(d.startsWith(`{"type":${JSON.stringify(n)}`)).toBe(true);
      }),
    );
  });

  it('should leave message-start, message-end and debug to be parsed, and take every output event from its data', () => {
    for (const type of types) {
      const data = JSON.stringify({ type, index: 0 });
      const expected = ['message-start', 'message-end', 'debug'].includes(type) ? undefined : { type };
      expect(forwardedEvent(type, data)).toEqual(expected);
      expect(forwardedEvent(type, ` ${data}`)).toBeUndefined();
      expect(forwardedEvent(undefined, data)).toBeUndefined();
    }
  });
});

describe('FrameWriter', () => {
  it("should write an upstream event under its type, with the data as given, and the relay's own under the reserved name", () => {
    const writer = new FrameWriter();
    expect(writer.upstream({ type: 'content-end' }, '{"type":"content-end" }')).toBe(
      'event: content-end\ndata: {"type":"content-end" }\n\n',
    );
    expect(writer.upstream({ type: 'content-end' })).toBe('event: content-end\ndata: {"type":"content-end"}\n\n');
    expect(writer.relay('cohere-rx-step-end', { type: 'step-end', step: 1 })).toBe(
      'event: cohere-rx-step-end\ndata: {"type":"step-end","step":1}\n\n',
    );
  });

  it('should number every frame 1, 2, 3… with ids on, and write no id: line with them off', () => {
    const writer = new FrameWriter(true);
    expect(writer.upstream({ type: 'message-start' }, '{}')).toBe('id: 1\nevent: message-start\ndata: {}\n\n');
    expect(writer.upstream({ type: 'cohere-rx-error' }, '{}')).toBe('id: 2\ndata: {}\n\n');
    expect(writer.relay('cohere-rx-error', {})).toBe('id: 3\nevent: cohere-rx-error\ndata: {}\n\n');
    expect(writer.lastId).toBe(3);
    expect(new FrameWriter().upstream({ type: 'x' }, '{}')).toBe('event: x\ndata: {}\n\n');
  });

  it('should never give an upstream event a reserved, empty or multi-line name (property: arbitrary types)', () => {
    const types = fc.oneof(
      fc.string(),
      fc.string().map((s) => `cohere-rx-${s}`),
      fc.mixedCase(fc.constant('cohere-rx-error')),
      fc.constantFrom('message-end', 'step-end', 'tool-result', 'a\nb', 'a\rb', ''),
      fc.anything(),
    );
    fc.assert(
      fc.property(types, (type) => {
        const name = upstreamName({ type });
        if (name === undefined) return;
        expect(name).toBe(type);
        expect(name).not.toBe('');
        expect(/[\r\n]/.test(name)).toBe(false);
        expect(name.toLowerCase().startsWith('cohere-rx-')).toBe(false);
        const frame = new FrameWriter().upstream({ type }, '{}');
        expect(frame.split('\n').filter((line) => line.startsWith('event:'))).toEqual([`event: ${name}`]);
      }),
    );
  });

  it('should keep every line of multi-line data in its own data: field (property: any line breaks)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[^\r\n]*$/), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        (lines, eol) => {
          const frame = new FrameWriter().upstream({ type: 'x' }, lines.join(eol));
          expect(frame).toBe(`event: x\n${lines.map((l) => `data: ${l}\n`).join('')}\n`);
        },
      ),
    );
  });
});

describe("the browser's relay reader", () => {
  it('should read reserved names only with the relay header: a plain Cohere response keeps them as events', async () => {
    const frame = 'event: cohere-rx-error\ndata: {"type":"cohere-rx-error","error":{"name":"CohereError","message":"x"}}\n\n';
    const s = await setUp('node:http', (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(toSse(textTurn.slice(0, 2)) + frame + toSse(textTurn.slice(2)));
    });
    // Straight at the upstream, as a page talking to Cohere would: no relay header.
    const outcome = await collect(chatStream$(request, { apiKey: 'k', baseUrl: s.up.url, maxRetries: 0 }));
    expect(outcome.completed).toBe(true);
    expect(outcome.values[2]).toEqual({ type: 'cohere-rx-error', error: { name: 'CohereError', message: 'x' } });
  });

  it('should turn the relay error frame into the error only under its reserved name', async () => {
    const s = await setUp('node:http', (_req, res) => {
      res.writeHead(200, { ...sseHeaders, 'x-cohere-rx-stream': 'single-message' });
      res.end(
        toSse(textTurn.slice(0, 2)) +
          'event: cohere-rx-error\ndata: {"type":"anything","error":{"name":"CohereError","message":"the real one"}}\n\n',
      );
    });
    const outcome = await collect(chatStream$(request, { apiKey: '', baseUrl: s.up.url, maxRetries: 0 }));
    expect(outcome.error).toMatchObject({ name: 'CohereError', message: 'the real one' });
  });
});
