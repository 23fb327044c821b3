import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chatStream$, CohereMaxStepsError, CohereParseError } from '../../../lib';
import { memoryStore } from '../../../lib/server';
import { ForwardedRun, FrameWriter, splitForwarded, upstreamName } from '../../../lib/server/frames';
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

  it.each([
    ['no store', {}],
    ['memoryStore', { store: memoryStore() }],
  ])('should pass on an event of 300 000 characters written in pieces, and the events after it, exactly (%s)', async (_label, options) => {
    // Longer than the 64 KiB the splitter holds a message cut short: it goes to the parser as it comes.
    const long = { type: 'content-delta', index: 0, delta: { message: { content: { text: 'x'.repeat(300_000) } } } };
    const events = [...textTurn.slice(0, 3), long, ...textTurn.slice(3)];
    const text = toSse(events);
    const { relay } = await setUp(
      flavour,
      (_req, res) => {
        res.writeHead(200, sseHeaders);
        const pieces = Array.from({ length: Math.ceil(text.length / 4096) }, (_, i) => text.slice(i * 4096, (i + 1) * 4096));
        const next = (): void => {
          const piece = pieces.shift();
          if (piece === undefined) res.end();
          else res.write(piece, () => setImmediate(next));
        };
        next();
      },
      options,
    );
    if (!('store' in options)) expect((await rawStream(relay, request)).text).toBe(text); // as it came, byte for byte
    const outcome = await collect(chatStream$(request, browser(relay)));
    expect(outcome.values).toEqual(events);
    expect(outcome.completed).toBe(true);
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

describe('splitForwarded (what a relay forwards as the text it came in)', () => {
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
  const forwardedTypes = types.filter((type) => !['message-start', 'message-end', 'debug'].includes(type));
  type Message = { event: string | undefined; data: string; id: string | undefined };

  /** The SSE messages of `text`, as eventsource-parser reads it alone (the oracle). */
  const parsed = (chunks: string[]): Message[] => {
    const out: Message[] = [];
    const parser = createParser({ onEvent: ({ event, data, id }) => out.push({ event, data, id }) });
    for (const chunk of chunks) parser.feed(chunk);
    parser.reset({ consume: true });
    return out;
  };

  /** The same text through the splitter in front of a parser: what the parser got, and each run expanded. */
  const split = (chunks: string[], limit = 1 << 20) => {
    const out: Message[] = [];
    const fed: string[] = [];
    const runs: ForwardedRun[] = [];
    const parser = createParser({ onEvent: ({ event, data, id }) => out.push({ event, data, id }) });
    const feed = splitForwarded(
      (text) => {
        fed.push(text);
        parser.feed(text);
      },
      (event, count) => {
        expect(event).toBeInstanceOf(ForwardedRun);
        const run = event as ForwardedRun;
        expect(run.count).toBe(count);
        runs.push(run);
        const inside = parsed([run.text]);
        expect(inside).toHaveLength(count);
        out.push(...inside);
      },
      limit,
    );
    chunks.forEach((chunk, i) => feed(chunk, i === chunks.length - 1));
    parser.reset({ consume: true });
    return { out, fed, runs };
  };

  const dataOf = (type: string, extra: Record<string, unknown>) => JSON.stringify({ type, ...extra });
  /** Messages in many forms: the forwarded one, and what must be parsed (other names, ids, comments, blank lines, multi-line data, CRs). */
  const message = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...forwardedTypes), fc.dictionary(fc.string(), fc.jsonValue()))
        .map(([t, x]) => `event: ${t}\ndata: ${dataOf(t, x)}\n\n`),
    },
    fc
      .tuple(fc.constantFrom(...types), fc.constantFrom(...types))
      .map(([name, t]) => `event: ${name}\ndata: ${dataOf(t, { index: 0 })}\n\n`),
    fc.constantFrom(
      'event: message-start\ndata: {"type":"message-start","id":"m"}\n\n',
      'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"COMPLETE"}}\n\n',
      'id: 7\nevent: content-delta\ndata: {"type":"content-delta"}\n\n',
      'event: content-delta\nid: 7\ndata: {"type":"content-delta"}\n\n',
      'event: content-delta\ndata:{"type":"content-delta"}\n\n',
      'event: content-delta\ndata: {"type":"content-delta"}\ndata: second line\n\n',
      ': keep-alive\n\n',
      '\n',
      'data: [DONE]\n\n',
      'event: content-delta\r\ndata: {"type":"content-delta"}\r\n\r\n',
      'event: content-end\rdata: {"type":"content-end"}\r\r',
      'retry: 10\n\n',
      'event: cohere-rx-error\ndata: {"type":"content-delta"}\n\n',
    ),
    fc.string({ maxLength: 30 }),
  );
  /** A text cut into chunks at arbitrary places (a cut may fall inside a message, or between a CR and its LF). */
  const chunked = fc.array(message, { maxLength: 12 }).chain((messages) => {
    const text = messages.join('');
    return fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: 6 }).map((cuts) => {
      const at = [0, ...cuts.filter((c) => c < text.length).sort((a, b) => a - b), text.length];
      return at.slice(1).map((end, i) => text.slice(at[i], end));
    });
  });

  it('should give the same messages, in the same order, as the parser alone (property: any messages, any chunking, any limit)', () => {
    fc.assert(
      fc.property(chunked, fc.integer({ min: 1, max: 400 }), (chunks, limit) => {
        if (chunks.length === 0) return;
        const { out, runs } = split(chunks, limit);
        expect(out).toEqual(parsed(chunks));
        for (const run of runs) {
          // A run holds forwarded messages only, each in exactly the form it is framed in, and none over the limit.
          for (const m of parsed([run.text])) {
            expect(forwardedTypes).toContain(m.event);
            expect(m.data.startsWith(`{"type":"${m.event}"`)).toBe(true);
            expect(`event: ${m.event}\ndata: ${m.data}\n\n`.length - 2).toBeLessThanOrEqual(limit);
          }
          expect(run.text.endsWith('\n\n')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('should emit a run of forwarded messages as one event with their count, and parse what sits between, in order', () => {
    const delta = (i: number) =>
      `event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"${i}"}}}}\n\n`;
    const start = 'event: message-start\ndata: {"type":"message-start","id":"x"}\n\n';
    const end = 'event: message-end\ndata: {"type":"message-end"}\n\n';
    const order: string[] = [];
    const feed = splitForwarded(
      (text) => order.push(`parse ${text}`),
      (event, count) => order.push(`run ${count} ${(event as ForwardedRun).text}`),
      1 << 20,
    );
    feed(start + delta(1) + delta(2) + delta(3) + end.slice(0, 10));
    feed(end.slice(10) + delta(4), true);
    expect(order).toEqual([`parse ${start}`, `run 3 ${delta(1)}${delta(2)}${delta(3)}`, `parse ${end}`, `run 1 ${delta(4)}`]);
  });

  it('should hold a message cut short until its end comes, and give it to the parser at the end of the body', () => {
    const calls: string[] = [];
    const feed = splitForwarded(
      (text) => calls.push(`parse ${text}`),
      (event) => calls.push(`run ${(event as ForwardedRun).text}`),
      1 << 20,
    );
    feed('event: content-end\ndata: {"type":"con');
    expect(calls).toEqual([]);
    feed('tent-end"}\n\nevent: content-end\ndata: {"type":"content-end"}\n', true);
    expect(calls).toEqual([
      'run event: content-end\ndata: {"type":"content-end"}\n\n',
      'parse event: content-end\ndata: {"type":"content-end"}\n',
    ]);
  });

  it('should leave everything to the parser from the first CR', () => {
    const cr: string[] = [];
    const viaCr = splitForwarded(
      (text) => cr.push(text),
      () => cr.push('run'),
      1 << 20,
    );
    viaCr('event: content-end\ndata: {"type":"content-end"}\n\nevent: content-start\r\n');
    viaCr('data: {"type":"content-start"}\r\n\r\n');
    viaCr('event: content-end\ndata: {"type":"content-end"}\n\n');
    expect(cr).toEqual([
      'event: content-end\ndata: {"type":"content-end"}\n\nevent: content-start\r\n',
      'data: {"type":"content-start"}\r\n\r\n',
      'event: content-end\ndata: {"type":"content-end"}\n\n',
    ]);
  });

  it('should pass a long message cut in many pieces to the parser as they come (none held and joined again), then split again after it', () => {
    const calls: string[] = [];
    const feed = splitForwarded(
      (text) => calls.push(text),
      (event) => calls.push(`run ${(event as ForwardedRun).text}`),
      1 << 20,
    );
    // 200 000 characters of data (over the 64 KiB a cut message is held for), in pieces of 1 000.
    const long = `event: content-delta\ndata: {"type":"content-delta","text":"${'x'.repeat(200_000)}"}\n\n`;
    const after = 'event: content-end\ndata: {"type":"content-end"}\n\n';
    const pieces = Array.from({ length: Math.ceil(long.length / 1000) }, (_, i) => long.slice(i * 1000, (i + 1) * 1000));
    // The last piece ends with the first of the two line feeds; the second comes with the next message.
    pieces[pieces.length - 1] = pieces[pieces.length - 1]!.slice(0, -1);
    for (const piece of pieces) feed(piece);
    feed(`\n${after}`, true);
    expect(calls.join('')).toBe(`${long}run ${after}`);
    // Held until just past 64 KiB, then each piece once, as it came.
    const held = calls[0]!.length;
    expect(held).toBeGreaterThan(64 * 1024);
    expect(held).toBeLessThanOrEqual(64 * 1024 + 1000);
    expect(calls.slice(1, -2)).toEqual(pieces.slice(held / 1000));
    expect(calls.slice(-2)).toEqual(['\n', `run ${after}`]);
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

  it('should write a forwarded run as its text, or with ids on as one frame per message, each with its id', () => {
    const text = 'event: content-start\ndata: {"type":"content-start"}\n\nevent: content-end\ndata: {"type":"content-end"}\n\n';
    const plain: string[] = [];
    new FrameWriter().forwarded(new ForwardedRun(text, 2), (frame) => plain.push(frame));
    expect(plain).toEqual([text]);
    const writer = new FrameWriter(true);
    writer.relay('cohere-rx-error', {});
    const numbered: string[] = [];
    writer.forwarded(new ForwardedRun(text, 2), (frame) => numbered.push(frame));
    expect(numbered).toEqual([
      'id: 2\nevent: content-start\ndata: {"type":"content-start"}\n\n',
      'id: 3\nevent: content-end\ndata: {"type":"content-end"}\n\n',
    ]);
    expect(writer.lastId).toBe(3);
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
